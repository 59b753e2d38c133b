/**
 * IronWorker's task inputs, translated into Dockhand's: the items of `POST /tasks`, the webhook's query,
 * progress updates, and the filters and paging of `GET /tasks`. The translated task request is checked
 * by the native TaskRequestSchema, so both front doors share one set of rules.
 *
 *   const request = ironTaskRequest({ code_name: 'hello', payload: '{"n":1}', priority: '2' });
 *   const query = ironTaskListQuery({ code_name: 'hello', error: '1', timeout: '1', page: '1' });
 */
import { z } from 'zod';
import { TASK_STATUSES, type TaskStatus } from '../task-status.ts';
import { TaskRequestSchema, type TaskRequest } from './task-request.ts';

const optionalNumber = z.union([z.number(), z.string().trim().regex(/^-?\d+(\.\d+)?$/, 'must be a number').transform(Number)]).optional();

/** One task of `POST /tasks`. Unknown fields (`sync`, `name`...) are dropped, as IronWorker did. */
export const IronTaskItemSchema = z.object({
  code_name: z.string({ error: 'code_name is required' }),
  /** IronWorker's payload is a string; any other JSON value is passed on as its JSON text. */
  payload: z.unknown().optional(),
  priority: optionalNumber,
  timeout: optionalNumber,
  delay: optionalNumber,
  cluster: z.string().optional(),
  label: z.string().optional(),
});

export const IronTaskBatchSchema = z.object({
  tasks: z.array(z.unknown(), { error: 'tasks must be an array of tasks' }).min(1, 'tasks is empty: send at least one task'),
});

export type IronIssue = { field: string; message: string };
export type Parsed<T> = { ok: true; value: T } | ({ ok: false } & IronIssue);

function firstIssue(error: z.ZodError, prefix = ''): IronIssue {
  const issue = error.issues[0]!;
  const path = issue.path.join('.');
  return { field: prefix && path ? `${prefix}.${path}` : prefix || path || 'body', message: issue.message };
}

/** An IronWorker task (or webhook query) as the native task request, checked by the native schema. */
export function ironTaskRequest(raw: unknown, payloadOverride?: string): Parsed<TaskRequest> {
  const parsed = IronTaskItemSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, ...firstIssue(parsed.error) };
  const item = parsed.data;
  const payload = payloadOverride ?? (item.payload === undefined || item.payload === null ? '' : typeof item.payload === 'string' ? item.payload : JSON.stringify(item.payload));
  const native = {
    code_name: item.code_name,
    payload,
    ...(item.priority !== undefined ? { priority: item.priority } : {}),
    ...(item.timeout !== undefined ? { timeout: item.timeout } : {}),
    ...(item.delay !== undefined ? { delay: item.delay } : {}),
    ...(item.cluster !== undefined && item.cluster !== '' ? { cluster: item.cluster } : {}),
    ...(item.label !== undefined ? { label: item.label } : {}),
  };
  const checked = TaskRequestSchema.safeParse(native);
  if (!checked.success) return { ok: false, ...firstIssue(checked.error) };
  return { ok: true, value: checked.data };
}

/** IronWorker's paging: `page` from 0 (at most 100), `per_page` 30 by default and at most 100. */
export const PAGE_MAX = 100;
export const PER_PAGE_DEFAULT = 30;
export const PER_PAGE_MAX = 100;

export interface Paging {
  page: number;
  perPage: number;
  offset: number;
}

export function ironPaging(query: Record<string, unknown>): Parsed<Paging> {
  const page = wholeNumber(query['page'], 0);
  if (page === undefined || page < 0 || page > PAGE_MAX) return { ok: false, field: 'page', message: `page is a whole number from 0 to ${PAGE_MAX}` };
  const asked = wholeNumber(query['per_page'], PER_PAGE_DEFAULT);
  if (asked === undefined || asked < 1) return { ok: false, field: 'per_page', message: `per_page is a whole number from 1 to ${PER_PAGE_MAX}` };
  // A larger per_page gets the maximum, as IronWorker's "maximum is 100" reads.
  const perPage = Math.min(asked, PER_PAGE_MAX);
  return { ok: true, value: { page, perPage, offset: page * perPage } };
}

/** The query flags that select statuses (`error=1&timeout=1` means either). `killed` never matches here. */
export const STATUS_FLAGS = [...TASK_STATUSES, 'killed'] as const;

export interface IronTaskFilter {
  /** undefined: every status; an empty list: a filter that nothing matches (only `killed=1`). */
  statuses?: TaskStatus[];
  codeName?: string;
  cluster?: string;
  label?: string;
  /** Creation window in ms. */
  from?: number;
  to?: number;
}

export function ironTaskFilter(query: Record<string, unknown>): Parsed<IronTaskFilter> {
  const filter: IronTaskFilter = {};
  const flagged = STATUS_FLAGS.filter((flag) => isTruthyFlag(query[flag]));
  if (flagged.length > 0) filter.statuses = flagged.filter((flag): flag is TaskStatus => flag !== 'killed');
  for (const [param, key] of [['code_name', 'codeName'], ['cluster', 'cluster'], ['label', 'label']] as const) {
    const value = query[param];
    if (typeof value === 'string' && value !== '') filter[key] = value;
  }
  for (const [param, key] of [['from_time', 'from'], ['to_time', 'to']] as const) {
    const value = query[param];
    if (value === undefined || value === '') continue;
    const ms = epochOrDateMs(value);
    if (ms === undefined) return { ok: false, field: param, message: `${param} is seconds since the Unix epoch (or an RFC 3339 time)` };
    filter[key] = ms;
  }
  return { ok: true, value: filter };
}

/** Seconds since the epoch (IronWorker's form) or an RFC 3339 time, as ms. */
export function epochOrDateMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value * 1000 : undefined;
  if (typeof value !== 'string') return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * 1000;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function isTruthyFlag(value: unknown): boolean {
  return value === '1' || value === 'true' || value === 1 || value === true;
}

function wholeNumber(value: unknown, fallback: number): number | undefined {
  if (value === undefined || value === '') return fallback;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  return Number.isInteger(n) ? n : undefined;
}
