/**
 * Declarative schedules: bring a project's named schedules in line with a definitions file. Entries
 * are matched by name; a new name is created, a changed one is replaced in place (same id, run count and
 * history), an equal one is left alone, and with `prune` a named schedule missing from the file is
 * deleted. Applying the same file twice changes nothing the second time.
 *
 *   const result = await applySchedules(ctx, projectId, file.schedules, { prune: false, dryRun: true });
 *   // result.plan: [{ action: 'create', name: 'nightly-report' }, { action: 'update', name, changes }]
 *
 * Everything is checked before anything changes: every invalid entry and every missing code package
 * is reported together, with the entry's position, so a file is applied whole or not at all.
 */
import { DhError } from '../core/errors.ts';
import type { ApplyAction, ApplyActionKind, ApplyResult } from '../core/schedule/apply-plan.ts';
import { checkDefinitions, describeDefinitionIssue, entryToRequest, type DefinitionIssue } from '../core/schedule/definitions-file.ts';
import { parseScheduleRequest } from '../core/schemas/schedule-request.ts';
import type { ScheduleRecord } from '../store/ports.ts';
import type { AppContext } from './context.ts';
import { changedFields, scheduleFields } from './schedule-fields.ts';
import { createScheduleRecord, deleteSchedule, listScheduleRecords, replaceSchedule } from './schedules.ts';

export interface ApplyOptions {
  prune: boolean;
  dryRun: boolean;
}

export async function applySchedules(ctx: AppContext, projectId: string, entries: readonly unknown[], options: ApplyOptions): Promise<ApplyResult> {
  const now = new Date();
  const checked = checkDefinitions({ schedules: entries }, { now, minRunEvery: ctx.settings.DOCKHAND_MIN_RUN_EVERY });
  const issues: DefinitionIssue[] = [...checked.issues];
  const codes = new Map<string, boolean>();
  for (const entry of checked.entries) {
    const name = entry.request.code_name;
    if (!codes.has(name)) codes.set(name, (await ctx.codes.current(projectId, name)) !== undefined);
    if (!codes.get(name)) issues.push({ index: entry.index, path: 'code', message: `no code package named "${name}" in this project; upload it first` });
  }
  if (issues.length > 0) {
    issues.sort((a, b) => (a.index ?? -1) - (b.index ?? -1));
    throw new DhError(
      'DH_ERR_VALIDATION',
      `The schedules file has ${issues.length} problem${issues.length === 1 ? '' : 's'}; nothing was changed: ${issues.map(describeDefinitionIssue).join('; ')}.`,
      { issues },
    );
  }

  const existing = new Map<string, ScheduleRecord>();
  for (const record of await listScheduleRecords(ctx, projectId)) {
    // A cancelled schedule gave its name up; the file may reuse it.
    if (record.name !== undefined && record.status !== 'cancelled') existing.set(record.name, record);
  }

  const plan: ApplyAction[] = [];
  const wanted = new Set<string>();
  for (const entry of checked.entries) {
    wanted.add(entry.name);
    const current = existing.get(entry.name);
    if (!current) {
      plan.push({ action: 'create', name: entry.name });
      continue;
    }
    // Compare as a replacement would store it: an every-N start Dockhand chose stays as it was.
    const anchor = !current.start_declared && current.start_at !== undefined ? new Date(current.start_at) : now;
    const { request, definition } = parseScheduleRequest(requestOf(entries[entry.index]), { now: anchor, minRunEvery: 1 });
    const changes = changedFields(current, scheduleFields(request, definition));
    plan.push(changes.length > 0 ? { action: 'update', name: entry.name, id: current.id, changes } : { action: 'unchanged', name: entry.name, id: current.id });
  }
  if (options.prune) {
    for (const [name, record] of existing) if (!wanted.has(name)) plan.push({ action: 'delete', name, id: record.id });
  }

  if (!options.dryRun) {
    for (const step of plan) {
      const input = (): unknown => requestOf(entries[checked.entries.find((e) => e.name === step.name)?.index ?? -1]);
      if (step.action === 'create') step.id = (await createScheduleRecord(ctx, projectId, input(), { now })).id;
      else if (step.action === 'update' && step.id !== undefined) await replaceSchedule(ctx, projectId, step.id, input());
      else if (step.action === 'delete' && step.id !== undefined) await deleteSchedule(ctx, projectId, step.id);
    }
  }
  const names = (kind: ApplyActionKind): string[] => plan.filter((p) => p.action === kind).map((p) => p.name);
  return { dry_run: options.dryRun, plan, created: names('create'), updated: names('update'), deleted: names('delete'), unchanged: names('unchanged') };
}

/** A checked file entry as a create/replace request (`code` -> `code_name`). */
function requestOf(entry: unknown): Record<string, unknown> {
  return entryToRequest(entry as Record<string, unknown>);
}
