/**
 * Schedule use cases shared by every front door (native /v1, IronWorker /2, the definitions file):
 * create, read, list, pause, resume, cancel, replace, delete and history. Each checks the project
 * scope first: another project's schedule is "not found". Firing is the scheduler's job (src/scheduler).
 *
 *   await createSchedule(ctx, projectId, { code_name: 'report', cron: '0 2 * * *', timezone: 'Europe/Berlin' });
 *   await createSchedule(ctx, projectId, { code_name: 'ping', run_every: 300, run_times: 10 });  // IronWorker style
 *
 * Identity is kept across pause and resume; resuming puts the schedule due at once, so the next tick
 * applies the missed-run policy to the occurrences that fell inside the pause.
 */
import { DhError } from '../core/errors.ts';
import { isId, newId } from '../core/ids.ts';
import { SCHEDULE_STATUSES, type Schedule, type ScheduleFiring, type ScheduleStatus } from '../core/model.ts';
import type { ScheduleDefinition } from '../core/schedule/definition.ts';
import { handledAtCreation } from '../core/schedule/handled-at-creation.ts';
import { nextFiring } from '../core/schedule/occurrences.ts';
import { parseScheduleRequest } from '../core/schemas/schedule-request.ts';
import type { ScheduleChange, SchedulePatch, ScheduleRecord } from '../store/ports.ts';
import type { AppContext } from './context.ts';
import { DECLARED_KEYS, compileSchedule, scheduleFields, timingChanged } from './schedule-fields.ts';

/** Fields only the scheduler needs; the API never shows them. */
const INTERNAL_FIELDS = ['version', 'last_handled_ms', 'next_ms', 'start_declared', 'resumed_from'] as const;

export const HISTORY_DEFAULT_LIMIT = 100;
export const HISTORY_MAX_LIMIT = 1000;

export function publicSchedule(record: ScheduleRecord): Schedule {
  const view: Record<string, unknown> = { ...record };
  for (const key of INTERNAL_FIELDS) delete view[key];
  return view as unknown as Schedule;
}

export interface CreateScheduleOptions {
  /** The creation time (default now); an every-N schedule without start_at starts then. */
  now?: Date;
}

export async function createSchedule(ctx: AppContext, projectId: string, input: unknown, options: CreateScheduleOptions = {}): Promise<Schedule> {
  return publicSchedule(await createScheduleRecord(ctx, projectId, input, options));
}

export async function createScheduleRecord(ctx: AppContext, projectId: string, input: unknown, options: CreateScheduleOptions = {}): Promise<ScheduleRecord> {
  const now = options.now ?? new Date();
  const { request, definition } = parseScheduleRequest(input, { now, minRunEvery: ctx.settings.DOCKHAND_MIN_RUN_EVERY });
  await requireCode(ctx, projectId, request.code_name);
  const fields = scheduleFields(request, definition);
  checkPayload(fields.payload, ctx.settings.DOCKHAND_PAYLOAD_MAX_BYTES);
  // Occurrences before the schedule existed are not "missed", except one at a start_at only just past.
  const lastHandledMs = handledAtCreation(definition, {
    now,
    declaredStartAt: request.start_at !== undefined ? definition.startAt : undefined,
    toleranceMs: ctx.settings.DOCKHAND_SCHEDULE_TOLERANCE * 1000,
  })?.getTime();
  const next = nextFiring(definition, new Date(lastHandledMs ?? firstInstant(definition) - 1), 0);
  const result = await ctx.schedules.create({
    id: newId(now.getTime()),
    project_id: projectId,
    ...(request.name !== undefined ? { name: request.name } : {}),
    ...fields,
    status: next ? 'scheduled' : 'complete',
    ...(lastHandledMs !== undefined ? { last_handled_ms: lastHandledMs, last_handled: new Date(lastHandledMs).toISOString() } : {}),
    ...(next ? { next_ms: next.getTime(), next_start: next.toISOString() } : {}),
    created_at: now.toISOString(),
  });
  if (!result.created) {
    throw new DhError(
      'DH_ERR_CONFLICT',
      `A schedule named "${request.name}" already exists in this project (${result.existingId}); change it with \`dockhand schedule apply\`, or cancel it first.`,
      { id: result.existingId },
    );
  }
  await wakeSchedulers(ctx, result.schedule.id);
  return result.schedule;
}

/** A schedule by id, or by name. */
export async function getSchedule(ctx: AppContext, projectId: string, idOrName: string): Promise<Schedule> {
  return publicSchedule(await findSchedule(ctx, projectId, idOrName));
}

export async function findSchedule(ctx: AppContext, projectId: string, idOrName: string): Promise<ScheduleRecord> {
  let record = isId(idOrName) ? await ctx.schedules.get(idOrName) : undefined;
  if (!record || record.project_id !== projectId) record = await ctx.schedules.byName(projectId, idOrName);
  if (!record || record.project_id !== projectId) {
    throw new DhError('DH_ERR_SCHEDULE_NOT_FOUND', `No schedule with id or name "${idOrName}" in this project; \`dockhand schedule list\` shows the schedules there are.`);
  }
  return record;
}

export interface ScheduleListQuery {
  status?: ScheduleStatus[];
  codeName?: string;
  limit?: number;
}

export async function listSchedules(ctx: AppContext, projectId: string, query: ScheduleListQuery = {}): Promise<Schedule[]> {
  return (await listScheduleRecords(ctx, projectId, query)).map(publicSchedule);
}

export async function listScheduleRecords(ctx: AppContext, projectId: string, query: ScheduleListQuery = {}): Promise<ScheduleRecord[]> {
  for (const status of query.status ?? []) {
    if (!(SCHEDULE_STATUSES as readonly string[]).includes(status)) {
      throw new DhError('DH_ERR_VALIDATION', `Unknown schedule status "${status}"; use one of ${SCHEDULE_STATUSES.join(', ')}.`);
    }
  }
  const limit = query.limit ?? Number.POSITIVE_INFINITY;
  const out: ScheduleRecord[] = [];
  let before: number | undefined;
  // Filters apply after reading, so read in pages until enough match.
  for (;;) {
    const page = await ctx.schedules.list(projectId, { limit: 500, ...(before !== undefined ? { before } : {}) });
    for (const record of page) {
      if (query.status?.length && !query.status.includes(record.status)) continue;
      if (query.codeName !== undefined && record.code_name !== query.codeName) continue;
      out.push(record);
      if (out.length >= limit) return out;
    }
    const last = page[page.length - 1];
    if (page.length < 500 || last === undefined) return out;
    before = Date.parse(last.created_at);
  }
}

export async function pauseSchedule(ctx: AppContext, projectId: string, idOrName: string): Promise<Schedule> {
  const record = await findSchedule(ctx, projectId, idOrName);
  if (record.status === 'paused') return publicSchedule(record);
  await applyChange(ctx, record, 'be paused', {
    from: ['scheduled'],
    to: 'paused',
    set: { paused_at: new Date().toISOString() },
    due: null,
  });
  return getSchedule(ctx, projectId, record.id);
}

/** Resumes a paused (or stopped) schedule; the missed-run policy covers what fell inside the pause. */
export async function resumeSchedule(ctx: AppContext, projectId: string, idOrName: string): Promise<Schedule> {
  const record = await findSchedule(ctx, projectId, idOrName);
  if (record.status === 'scheduled') return publicSchedule(record);
  if (record.status === 'stopped') await requireCode(ctx, projectId, record.code_name);
  const now = new Date();
  const next = nextFiring(compileSchedule(record), new Date(Math.max(now.getTime(), record.last_handled_ms ?? 0)), record.run_count);
  await applyChange(ctx, record, 'be resumed', {
    from: ['paused', 'stopped'],
    to: 'scheduled',
    set: {
      resumed_at: now.toISOString(),
      resumed_from: record.status,
      status_reason: null,
      ...(next ? { next_start: next.toISOString(), next_ms: next.getTime() } : {}),
    },
    // Due now: the next tick plans the pause window under the missed-run policy.
    due: now,
  });
  await wakeSchedulers(ctx, record.id);
  return getSchedule(ctx, projectId, record.id);
}

/** Ends a schedule for good; its name becomes free for a new one. Firings already claimed still queue. */
export async function cancelSchedule(ctx: AppContext, projectId: string, idOrName: string): Promise<Schedule> {
  const record = await findSchedule(ctx, projectId, idOrName);
  if (record.status === 'cancelled') return publicSchedule(record);
  await applyChange(ctx, record, 'be cancelled', {
    from: ['scheduled', 'paused', 'stopped'],
    to: 'cancelled',
    set: { next_start: null, next_ms: null },
    due: null,
    releaseName: true,
  });
  return getSchedule(ctx, projectId, record.id);
}

/**
 * Replaces what a schedule declares (timing, policies, task options), keeping its id, name, run count
 * and history. A new timing applies from now on: nothing before the change counts as missed.
 */
export async function replaceSchedule(ctx: AppContext, projectId: string, idOrName: string, input: unknown): Promise<Schedule> {
  // Computed from one read and written only at that read's version: a firing claimed in between
  // (which moves last_handled) makes the write retry from a fresh read instead of firing twice.
  for (let attempt = 0; attempt < REPLACE_ATTEMPTS; attempt++) {
    const record = await findSchedule(ctx, projectId, idOrName);
    const change = await replacementOf(ctx, record, input);
    const result = await ctx.schedules.change(record.id, change);
    if (result.applied) {
      await wakeSchedulers(ctx, record.id);
      return getSchedule(ctx, projectId, record.id);
    }
    if (!result.stale) throw refused(record, 'be changed', change, result.current);
  }
  throw new DhError('DH_ERR_CONFLICT', 'The schedule kept changing while it was being replaced (it fires very often); try again.');
}

const REPLACE_ATTEMPTS = 10;

async function replacementOf(ctx: AppContext, record: ScheduleRecord, input: unknown): Promise<ScheduleChange> {
  if (record.status === 'cancelled') {
    throw new DhError('DH_ERR_SCHEDULE_STATE', `Schedule ${record.id} is cancelled and cannot change; create a new one.`);
  }
  const now = new Date();
  // An every-N schedule without a declared start keeps the anchor it was given at creation.
  const anchor = !record.start_declared && record.start_at !== undefined ? new Date(record.start_at) : now;
  const { request, definition } = parseScheduleRequest(input, { now: anchor, minRunEvery: ctx.settings.DOCKHAND_MIN_RUN_EVERY });
  if (request.name !== undefined && request.name !== record.name) {
    throw new DhError('DH_ERR_VALIDATION', `A schedule's name cannot change (it is "${record.name ?? ''}"); create a new schedule instead.`);
  }
  await requireCode(ctx, record.project_id, request.code_name);
  const fields = scheduleFields(request, definition);
  checkPayload(fields.payload, ctx.settings.DOCKHAND_PAYLOAD_MAX_BYTES);
  const retimed = timingChanged(record, fields);
  const lastHandledMs = retimed ? Math.max(record.last_handled_ms ?? Number.NEGATIVE_INFINITY, now.getTime() - 1) : record.last_handled_ms;
  const after = lastHandledMs ?? firstInstant(definition) - 1;
  const next = nextFiring(definition, new Date(after), record.run_count);
  const status: ScheduleStatus = record.status === 'paused' ? 'paused' : next ? 'scheduled' : 'complete';

  const set: SchedulePatch = { status_reason: null, start_declared: fields.start_declared };
  for (const key of DECLARED_KEYS) (set as Record<string, unknown>)[key] = fields[key] ?? null;
  if (lastHandledMs !== undefined) Object.assign(set, { last_handled_ms: lastHandledMs, last_handled: new Date(lastHandledMs).toISOString() });
  Object.assign(set, next ? { next_ms: next.getTime(), next_start: next.toISOString() } : { next_ms: null, next_start: null });
  return {
    from: ['scheduled', 'paused', 'complete', 'stopped'],
    to: status,
    set,
    due: status === 'scheduled' && next ? next : null,
    version: record.version,
  };
}

/** Deletes a schedule with its history (what `schedule apply --prune` does to schedules left out of the file). */
export async function deleteSchedule(ctx: AppContext, projectId: string, idOrName: string): Promise<void> {
  const record = await findSchedule(ctx, projectId, idOrName);
  await ctx.schedules.delete(record.id);
}

export async function scheduleHistory(ctx: AppContext, projectId: string, idOrName: string, options: { limit?: number } = {}): Promise<ScheduleFiring[]> {
  const record = await findSchedule(ctx, projectId, idOrName);
  const limit = Math.min(Math.max(options.limit ?? HISTORY_DEFAULT_LIMIT, 1), HISTORY_MAX_LIMIT);
  return ctx.schedules.history(record.id, limit);
}

/** Stops every active schedule of a code package that is being deleted, saying why. */
export async function stopSchedulesOfCode(ctx: AppContext, projectId: string, codeName: string): Promise<number> {
  const active = await listScheduleRecords(ctx, projectId, { status: ['scheduled', 'paused'], codeName });
  let stopped = 0;
  for (const record of active) {
    const result = await ctx.schedules.change(record.id, {
      from: ['scheduled', 'paused'],
      to: 'stopped',
      set: { status_reason: codeDeletedReason(codeName), paused_at: new Date().toISOString(), next_start: null, next_ms: null },
      due: null,
    });
    if (result.applied) stopped += 1;
  }
  return stopped;
}

export function codeDeletedReason(codeName: string): string {
  return `its code package "${codeName}" was deleted; upload it again and resume the schedule, or cancel it`;
}

/** Where a schedule with nothing handled yet starts looking: a one-off's own instant, else now. */
function firstInstant(definition: ScheduleDefinition): number {
  return definition.kind === 'once' ? definition.at.getTime() : Date.now();
}

async function requireCode(ctx: AppContext, projectId: string, codeName: string): Promise<void> {
  if (!(await ctx.codes.current(projectId, codeName))) {
    throw new DhError('DH_ERR_CODE_NOT_FOUND', `No code package named "${codeName}" in this project; upload it first with \`dockhand code upload <dir> --name ${codeName} --stack <stack>\`.`, { field: 'code_name', value: codeName });
  }
}

function checkPayload(payload: string, limit: number): void {
  if (Buffer.byteLength(payload) > limit) {
    throw new DhError('DH_ERR_PAYLOAD_TOO_LARGE', `The payload is ${Buffer.byteLength(payload)} bytes; the limit is ${limit} bytes (DOCKHAND_PAYLOAD_MAX_BYTES).`, { field: 'payload', limit });
  }
}

async function applyChange(ctx: AppContext, record: ScheduleRecord, action: string, change: ScheduleChange): Promise<void> {
  const result = await ctx.schedules.change(record.id, change);
  if (!result.applied) throw refused(record, action, change, result.current);
}

function refused(record: ScheduleRecord, action: string, change: ScheduleChange, current: ScheduleStatus | undefined): DhError {
  if (current === undefined) return new DhError('DH_ERR_SCHEDULE_NOT_FOUND', `Schedule ${record.id} no longer exists.`);
  return new DhError('DH_ERR_SCHEDULE_STATE', `Schedule ${record.id} is ${current}; only a ${change.from.join(', ')} schedule can ${action}.`, { status: current });
}

async function wakeSchedulers(ctx: AppContext, scheduleId: string): Promise<void> {
  // A lost notice only delays the first firing until the schedulers' next look (at most a second).
  await ctx.events.publishScheduleChange(scheduleId).catch(() => undefined);
}
