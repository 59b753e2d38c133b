/**
 * What a client may send to create or replace a schedule: the options of the tasks it will queue (as
 * for one task) plus the timing fields that core/schedule/schema.ts parses. Both are checked in one
 * pass and every issue is reported with its field, so a definitions file shows all its mistakes at once.
 *
 *   const { request, definition } = parseScheduleRequest({ code_name: 'report', cron: '0 2 * * *' }, { now });
 *
 * Front doors map their own names onto this one: IronWorker's `run_every` is accepted as is, the
 * definitions file's `code` becomes `code_name`.
 */
import { z } from 'zod';
import { DhError } from '../errors.ts';
import { LIMITS, type Priority } from '../limits.ts';
import type { ScheduleDefinition } from '../schedule/definition.ts';
import { scheduleDefinitionSchema, type ScheduleSchemaOptions } from '../schedule/schema.ts';
import { CLUSTER_PATTERN, CODE_NAME_PATTERN, codeNameSchema, prioritySchema } from './task-request.ts';

/** Schedule names follow code names: they appear in commands and files. */
export const SCHEDULE_NAME_PATTERN = CODE_NAME_PATTERN;

export interface ScheduleRequest {
  code_name: string;
  name?: string;
  /** Any JSON value; a string is passed to each task as is, anything else as its JSON text. */
  payload?: unknown;
  priority?: Priority;
  timeout?: number;
  cluster?: string;
  label?: string;
  cron?: string;
  timezone?: string;
  every?: number;
  run_every?: number;
  at?: string;
  start_at?: string;
  end_at?: string;
  run_times?: number;
  overlap?: 'allow' | 'skip' | 'cancel-previous';
  missed?: string;
}

/** The timing keys; their values are checked by scheduleDefinitionSchema, not here. */
export const TIMING_KEYS = ['cron', 'timezone', 'every', 'run_every', 'at', 'start_at', 'end_at', 'run_times', 'overlap', 'missed'] as const;

const envelope = z.strictObject({
  code_name: codeNameSchema,
  name: z
    .string()
    .regex(SCHEDULE_NAME_PATTERN, 'a schedule name is 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit')
    .optional(),
  payload: z.unknown().optional(),
  priority: prioritySchema.optional(),
  timeout: z.number().int().min(1).max(LIMITS.timeoutMax).optional(),
  cluster: z.string().regex(CLUSTER_PATTERN, 'a cluster name is lowercase letters, digits, "_" or "-"').optional(),
  label: z.string().max(256).optional(),
  ...Object.fromEntries(TIMING_KEYS.map((key) => [key, z.unknown().optional()])),
});

export interface ScheduleIssue {
  /** Dotted field path, e.g. `cron` or `payload`; empty for the request as a whole. */
  path: string;
  message: string;
}

export type ScheduleRequestResult =
  | { ok: true; request: ScheduleRequest; definition: ScheduleDefinition }
  | { ok: false; issues: ScheduleIssue[] };

/** Checks a request and its timing together; never throws for bad input. */
export function checkScheduleRequest(input: unknown, options: ScheduleSchemaOptions = {}): ScheduleRequestResult {
  const issues: ScheduleIssue[] = [];
  const outer = envelope.safeParse(input);
  if (!outer.success) issues.push(...outer.error.issues.flatMap(toIssues));
  const isObject = typeof input === 'object' && input !== null && !Array.isArray(input);
  const fields = isObject ? pickTiming(input as Record<string, unknown>) : {};
  // Each field alone first, so one bad field does not hide another; then the rules between fields.
  const fieldIssues = TIMING_KEYS.flatMap((key) => (fields[key] === undefined ? [] : isolatedIssues(key, fields[key], options)));
  issues.push(...fieldIssues);
  const timing = fieldIssues.length === 0 ? scheduleDefinitionSchema(options).safeParse(fields) : undefined;
  if (timing && !timing.success) issues.push(...timing.error.issues.flatMap(toIssues));
  if (!outer.success || !timing?.success) return { ok: false, issues: dedupe(issues) };
  return { ok: true, request: outer.data, definition: timing.data };
}

/** A valid cron expression to pair a field with when checking that field alone. */
const PAIRED_WITH_CRON = new Set(['timezone', 'end_at', 'run_times', 'overlap', 'missed']);

function isolatedIssues(key: (typeof TIMING_KEYS)[number], value: unknown, options: ScheduleSchemaOptions): ScheduleIssue[] {
  const alone: Record<string, unknown> = { [key]: value };
  if (PAIRED_WITH_CRON.has(key)) alone['cron'] = '* * * * *';
  const result = scheduleDefinitionSchema(options).safeParse(alone);
  return result.success ? [] : result.error.issues.flatMap(toIssues).filter((issue) => issue.path === key || issue.path.startsWith(`${key}.`));
}

/** As checkScheduleRequest, but throws DhError(DH_ERR_VALIDATION) listing every issue. */
export function parseScheduleRequest(input: unknown, options: ScheduleSchemaOptions = {}): { request: ScheduleRequest; definition: ScheduleDefinition } {
  const result = checkScheduleRequest(input, options);
  if (result.ok) return { request: result.request, definition: result.definition };
  throw new DhError('DH_ERR_VALIDATION', `Invalid schedule: ${describeIssues(result.issues)}.`, { issues: result.issues });
}

export function describeIssues(issues: readonly ScheduleIssue[]): string {
  return issues.map((i) => (i.path === '' ? trimPeriod(i.message) : `${i.path}: ${trimPeriod(i.message)}`)).join('; ');
}

function pickTiming(input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of TIMING_KEYS) if (input[key] !== undefined) out[key] = input[key];
  return out;
}

function toIssues(issue: z.core.$ZodIssue): ScheduleIssue[] {
  if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ path: key, message: `unknown field "${key}"` }));
  return [{ path: issue.path.map(String).join('.'), message: issue.message }];
}

function dedupe(issues: ScheduleIssue[]): ScheduleIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function trimPeriod(text: string): string {
  return text.endsWith('.') ? text.slice(0, -1) : text;
}
