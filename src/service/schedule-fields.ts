/**
 * How a schedule request becomes record fields and back: the declared timing (core/schedule's textual
 * form), the task options, the definition the scheduler compiles from a record, the task a firing
 * queues, and the "declared form" that `schedule apply` compares to decide create / update / unchanged.
 *
 *   const fields = scheduleFields(request, definition);
 *   compileSchedule({ ...record, ...fields })   // the same definition again
 */
import type { Schedule } from '../core/model.ts';
import type { FieldChange } from '../core/schedule/apply-plan.ts';
import type { ScheduleDefinition } from '../core/schedule/definition.ts';
import { formatScheduleDefinition, parseScheduleDefinition } from '../core/schedule/schema.ts';
import type { ScheduleRequest } from '../core/schemas/schedule-request.ts';
import type { TaskRequest } from '../core/schemas/task-request.ts';
import type { ScheduleRecord } from '../store/ports.ts';
import { payloadText } from './tasks.ts';

/** The fields of a record that a request declares (everything but identity and progress). */
export type DeclaredFields = Pick<
  ScheduleRecord,
  | 'code_name'
  | 'cron'
  | 'timezone'
  | 'every'
  | 'at'
  | 'start_at'
  | 'end_at'
  | 'run_times'
  | 'overlap'
  | 'missed'
  | 'payload'
  | 'priority'
  | 'timeout'
  | 'cluster'
  | 'label'
  | 'start_declared'
>;

/** Every declared field, so a replacement can remove the ones a new request leaves out. */
export const DECLARED_KEYS = [
  'code_name', 'cron', 'timezone', 'every', 'at', 'start_at', 'end_at', 'run_times', 'overlap', 'missed',
  'payload', 'priority', 'timeout', 'cluster', 'label',
] as const;

export function scheduleFields(request: ScheduleRequest, definition: ScheduleDefinition): DeclaredFields {
  const text = formatScheduleDefinition(definition);
  const fields: DeclaredFields = {
    code_name: request.code_name,
    overlap: text.overlap,
    missed: text.missed,
    payload: payloadText(request.payload),
    // An every-N schedule always has a start (its anchor); the flag tells a chosen one from a default.
    start_declared: request.start_at !== undefined,
  };
  if (text.cron !== undefined) fields.cron = text.cron;
  if (text.timezone !== undefined) fields.timezone = text.timezone;
  if (text.every !== undefined) fields.every = text.every;
  if (text.at !== undefined) fields.at = text.at;
  if (text.start_at !== undefined) fields.start_at = text.start_at;
  if (text.end_at !== undefined) fields.end_at = text.end_at;
  if (text.run_times !== undefined) fields.run_times = text.run_times;
  if (request.priority !== undefined) fields.priority = request.priority;
  if (request.timeout !== undefined) fields.timeout = request.timeout;
  if (request.cluster !== undefined) fields.cluster = request.cluster;
  if (request.label !== undefined) fields.label = request.label;
  return fields;
}

/**
 * The definition a stored schedule fires by. The run_every floor is not applied again: a schedule
 * accepted under the operator's setting keeps firing if the setting is raised later.
 */
export function compileSchedule(record: Pick<Schedule, 'cron' | 'timezone' | 'every' | 'at' | 'start_at' | 'end_at' | 'run_times' | 'overlap' | 'missed'>): ScheduleDefinition {
  return parseScheduleDefinition(
    {
      cron: record.cron,
      timezone: record.timezone,
      every: record.every,
      at: record.at,
      start_at: record.start_at,
      end_at: record.end_at,
      run_times: record.run_times,
      overlap: record.overlap,
      missed: record.missed,
    },
    { minRunEvery: 1 },
  );
}

/** The task each firing of the schedule queues. */
export function scheduleTaskRequest(record: Schedule): TaskRequest {
  return {
    code_name: record.code_name,
    payload: record.payload,
    ...(record.priority !== undefined ? { priority: record.priority } : {}),
    ...(record.timeout !== undefined ? { timeout: record.timeout } : {}),
    ...(record.cluster !== undefined ? { cluster: record.cluster } : {}),
    ...(record.label !== undefined ? { label: record.label } : {}),
  };
}

/** What a user declared, as comparable values: an every-N start Dockhand chose is not part of it. */
export function declaredForm(fields: DeclaredFields): Record<string, string | number | undefined> {
  const form: Record<string, string | number | undefined> = {};
  for (const key of DECLARED_KEYS) form[key] = fields[key];
  if (!fields.start_declared && fields.every !== undefined) form['start_at'] = undefined;
  return form;
}

/** The declared fields that differ between a stored schedule and a wanted one, in DECLARED_KEYS order. */
export function changedFields(current: DeclaredFields, wanted: DeclaredFields): FieldChange[] {
  const a = declaredForm(current);
  const b = declaredForm(wanted);
  return DECLARED_KEYS.filter((key) => a[key] !== b[key]).map((key) => ({ field: key, from: a[key], to: b[key] }));
}

/** True when the two differ in when the schedule fires (not only in what its tasks get). */
export function timingChanged(current: DeclaredFields, wanted: DeclaredFields): boolean {
  const timing = new Set(['cron', 'timezone', 'every', 'at', 'start_at', 'end_at', 'run_times']);
  const a: Record<string, string | number | undefined> = { ...declaredForm(current), start_at: current.start_at };
  const b: Record<string, string | number | undefined> = { ...declaredForm(wanted), start_at: wanted.start_at };
  return [...timing].some((key) => a[key] !== b[key]);
}
