/**
 * An item of IronWorker's `POST /schedules` translated into Dockhand's schedule request, which the
 * schedule service checks with the same rules as `/v1/schedules`. IronWorker's timing (`start_at`,
 * `run_every` >= 60 s, `run_times`, `end_at`) passes through; a schedule without any timing runs once,
 * now, as IronWorker's did. Unknown fields are dropped, as IronWorker did; Dockhand's `cron`,
 * `timezone`, `overlap`, `missed` and `name` are taken as extras.
 *
 *   const request = ironScheduleRequest({ code_name: 'hello', payload: '{}', run_every: '3600' }, now);
 */
import { z } from 'zod';
import type { Parsed } from './ironworker-task.ts';

const optionalNumber = z.union([z.number(), z.string().trim().regex(/^-?\d+(\.\d+)?$/, 'must be a number').transform(Number)]).optional();

export const IronScheduleItemSchema = z.object({
  code_name: z.string({ error: 'code_name is required' }),
  name: z.string().optional(),
  payload: z.unknown().optional(),
  start_at: z.string().optional(),
  end_at: z.string().optional(),
  run_every: optionalNumber,
  run_times: optionalNumber,
  priority: optionalNumber,
  timeout: optionalNumber,
  cluster: z.string().optional(),
  label: z.string().optional(),
  cron: z.string().optional(),
  timezone: z.string().optional(),
  overlap: z.string().optional(),
  missed: z.string().optional(),
});

export const IronScheduleBatchSchema = z.object({
  schedules: z.array(z.unknown(), { error: 'schedules must be an array of schedules' }).min(1, 'schedules is empty: send at least one schedule'),
});

/** The body for the schedule service; its own parser names any field that breaks a rule. */
export function ironScheduleRequest(raw: unknown, now: Date): Parsed<Record<string, unknown>> {
  const parsed = IronScheduleItemSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, field: issue.path.join('.') || 'schedule', message: issue.message };
  }
  const item = parsed.data;
  const payload = item.payload === undefined || item.payload === null ? '' : typeof item.payload === 'string' ? item.payload : JSON.stringify(item.payload);
  const timed = item.run_every !== undefined || item.cron !== undefined || item.start_at !== undefined;
  const request: Record<string, unknown> = {
    code_name: item.code_name,
    payload,
    // IronWorker ran a schedule without timing once, straight away.
    ...(timed ? {} : { start_at: now.toISOString() }),
  };
  for (const key of ['name', 'start_at', 'end_at', 'run_every', 'run_times', 'priority', 'timeout', 'cluster', 'label', 'cron', 'timezone', 'overlap', 'missed'] as const) {
    const value = item[key];
    if (value !== undefined && value !== '') request[key] = value;
  }
  return { ok: true, value: request };
}
