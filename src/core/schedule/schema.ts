/**
 * The textual form of a schedule's timing (HTTP body, IronWorker body, cron definitions file, CLI
 * flags) parsed with zod into a ScheduleDefinition, and written back out the same way.
 *
 *   parseScheduleDefinition({ cron: '0 2 * * *', timezone: 'Europe/Berlin', missed: 'catch-up:3' })
 *   parseScheduleDefinition({ run_every: 300 }, { now })      // IronWorker: first run at now
 *   parseScheduleDefinition({ start_at: '2026-05-01T09:00:00Z' })  // IronWorker: no run_every = once
 *
 * Fields: exactly one of `cron` (with optional `timezone`, default UTC), `every`/`run_every` (seconds,
 * at least `minRunEvery`, default 60) or `at`; a lone `start_at` means once at that time. Common:
 * `start_at`, `end_at`, `run_times`, `overlap` (allow | skip | cancel-previous, default allow), `missed`
 * (skip | run-once | catch-up:N, default skip). Times are RFC 3339 with a zone designator, or Dates.
 * Other keys (code_name, payload, ...) are ignored here so callers can parse one body for both.
 */
import { z } from 'zod';
import { DhError, isDhError } from '../errors.ts';
import { parseCron } from '../cron/parse.ts';
import { normalizeTimeZone } from '../cron/zone.ts';
import {
  DEFAULT_MIN_RUN_EVERY_SECONDS,
  DEFAULT_MISSED,
  DEFAULT_OVERLAP,
  MAX_CATCH_UP,
  OVERLAP_POLICIES,
  type MissedRunPolicy,
  type ScheduleBounds,
  type ScheduleDefinition,
} from './definition.ts';

export interface ScheduleSchemaOptions {
  /** The smallest run_every accepted, in seconds (IronWorker: 60). Operators may lower it. */
  minRunEvery?: number;
  /** Used as start_at of an every-N schedule that gives none (IronWorker starts it at creation). */
  now?: Date;
}

/** The textual form, as formatScheduleDefinition writes it and the API shows it. */
export interface ScheduleText {
  cron?: string;
  timezone?: string;
  /** Seconds between firings (IronWorker's run_every). */
  every?: number;
  /** The instant of a one-off schedule. */
  at?: string;
  start_at?: string;
  end_at?: string;
  run_times?: number;
  overlap: string;
  missed: string;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})$/;

const INSTANT_HINT = 'must be an RFC 3339 time with a zone, e.g. 2026-05-01T09:00:00Z';

// Transforms of z.unknown() rather than unions, so a bad value gets a message saying what to write
// instead of a generic "Invalid input".
const instantSchema = z.unknown().transform((value, ctx): Date => {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value;
  if (typeof value === 'string' && RFC3339.test(value) && !Number.isNaN(Date.parse(value))) {
    return new Date(Date.parse(value));
  }
  ctx.addIssue({ code: 'custom', message: INSTANT_HINT });
  return z.NEVER;
});

const missedObject = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('skip') }),
  z.object({ kind: z.literal('run-once') }),
  z.object({ kind: z.literal('catch-up'), max: z.number().int().min(1).max(MAX_CATCH_UP) }),
]);

const missedSchema = z.unknown().transform((value, ctx): MissedRunPolicy => {
  if (typeof value === 'string') {
    try {
      return parseMissedPolicy(value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: withoutFinalPeriod(isDhError(err) ? err.message : String(err)) });
      return z.NEVER;
    }
  }
  const parsed = missedObject.safeParse(value);
  if (parsed.success) return parsed.data;
  ctx.addIssue({ code: 'custom', message: `use skip, run-once or catch-up:N with N from 1 to ${MAX_CATCH_UP}` });
  return z.NEVER;
});

const timingInput = z.object({
  cron: z.string().nullish(),
  timezone: z.string().nullish(),
  every: z.number().int().positive().nullish(),
  run_every: z.number().int().positive().nullish(),
  at: instantSchema.nullish(),
  start_at: instantSchema.nullish(),
  end_at: instantSchema.nullish(),
  run_times: z.number().int().min(1).nullish(),
  overlap: z.enum(OVERLAP_POLICIES).nullish(),
  missed: missedSchema.nullish(),
});

type TimingInput = z.infer<typeof timingInput>;

/** The zod schema: unknown input -> ScheduleDefinition, with every cross-field rule checked. */
export function scheduleDefinitionSchema(options: ScheduleSchemaOptions = {}) {
  return timingInput.transform((input, ctx): ScheduleDefinition => {
    try {
      return compileTiming(input, options);
    } catch (err) {
      if (!(err instanceof TimingIssue)) throw err;
      ctx.addIssue({ code: 'custom', path: [err.path], message: err.message });
      return z.NEVER;
    }
  });
}

/** A cross-field rule broken; carried out of compileTiming to become one zod issue. */
class TimingIssue extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

function compileTiming(input: TimingInput, options: ScheduleSchemaOptions): ScheduleDefinition {
  const minRunEvery = options.minRunEvery ?? DEFAULT_MIN_RUN_EVERY_SECONDS;
  if (input.every != null && input.run_every != null) {
    throw new TimingIssue('run_every', 'give every or run_every, not both');
  }
  const every = input.every ?? input.run_every ?? undefined;
  const kinds = [input.cron != null, every !== undefined, input.at != null].filter(Boolean).length;
  if (kinds > 1) throw new TimingIssue('cron', 'give only one of cron, every (run_every) or at');

  const bounds: ScheduleBounds = { overlap: input.overlap ?? DEFAULT_OVERLAP, missed: input.missed ?? DEFAULT_MISSED };
  if (input.start_at != null) bounds.startAt = input.start_at;
  if (input.end_at != null) bounds.endAt = input.end_at;
  if (input.run_times != null) bounds.runTimes = input.run_times;
  if (bounds.startAt && bounds.endAt && bounds.endAt.getTime() < bounds.startAt.getTime()) {
    throw new TimingIssue('end_at', 'end_at must not be before start_at');
  }
  if (input.timezone != null && input.cron == null) {
    throw new TimingIssue('timezone', 'timezone applies only to cron schedules; every and at are absolute instants');
  }

  if (input.cron != null) {
    const source = input.cron;
    const expr = rethrowAt('cron', () => parseCron(source));
    const timezone = rethrowAt('timezone', () => normalizeTimeZone(input.timezone ?? 'UTC'));
    return { ...bounds, kind: 'cron', expr, timezone };
  }
  if (every !== undefined) {
    if (every < minRunEvery) {
      throw new TimingIssue(input.every != null ? 'every' : 'run_every', `must be at least ${minRunEvery} seconds, got ${every}`);
    }
    const startAt = bounds.startAt ?? options.now;
    if (startAt === undefined) throw new TimingIssue('start_at', 'start_at is required for an every-N schedule');
    return { ...bounds, kind: 'every', runEverySeconds: every, startAt };
  }
  const at = input.at ?? bounds.startAt;
  if (at == null) throw new TimingIssue('cron', 'a schedule needs one of cron, every (run_every), at or start_at');
  return { ...bounds, kind: 'once', at };
}

/** Parses the timing fields of `input`; throws DhError(DH_ERR_VALIDATION) naming the field at fault. */
export function parseScheduleDefinition(input: unknown, options: ScheduleSchemaOptions = {}): ScheduleDefinition {
  const result = scheduleDefinitionSchema(options).safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  const message = issues.map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`)).join('; ');
  throw new DhError('DH_ERR_VALIDATION', `Invalid schedule: ${withoutFinalPeriod(message)}.`, { issues });
}

/** "skip" | "run-once" | "catch-up:N" (1 <= N <= MAX_CATCH_UP). */
export function parseMissedPolicy(text: string): MissedRunPolicy {
  const value = text.trim();
  if (value === 'skip') return { kind: 'skip' };
  if (value === 'run-once') return { kind: 'run-once' };
  const match = /^catch-up:(\d+)$/.exec(value);
  const max = match ? Number(match[1]) : Number.NaN;
  if (max >= 1 && max <= MAX_CATCH_UP) return { kind: 'catch-up', max };
  throw new DhError(
    'DH_ERR_VALIDATION',
    `missed-run policy "${text}" is not valid; use skip, run-once or catch-up:N with N from 1 to ${MAX_CATCH_UP}.`,
    { field: 'missed', value: text },
  );
}

export function formatMissedPolicy(policy: MissedRunPolicy): string {
  return policy.kind === 'catch-up' ? `catch-up:${policy.max}` : policy.kind;
}

/** The textual form of a definition; parseScheduleDefinition reads it back to an equal definition. */
export function formatScheduleDefinition(def: ScheduleDefinition): ScheduleText {
  const text: ScheduleText = { overlap: def.overlap, missed: formatMissedPolicy(def.missed) };
  if (def.kind === 'cron') {
    text.cron = def.expr.source;
    text.timezone = def.timezone;
  } else if (def.kind === 'every') {
    text.every = def.runEverySeconds;
  } else {
    text.at = def.at.toISOString();
  }
  if (def.startAt) text.start_at = def.startAt.toISOString();
  if (def.endAt) text.end_at = def.endAt.toISOString();
  if (def.runTimes !== undefined) text.run_times = def.runTimes;
  return text;
}

/** Runs a parser that throws DhError and re-raises its message as an issue on `path`. */
function rethrowAt<T>(path: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new TimingIssue(path, withoutFinalPeriod(isDhError(err) ? err.message : String(err)));
  }
}

function withoutFinalPeriod(text: string): string {
  return text.endsWith('.') ? text.slice(0, -1) : text;
}
