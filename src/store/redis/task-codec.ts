/**
 * Tasks are Redis hashes of strings. This codec is the one place that knows which fields are numbers,
 * which hold JSON, and which are plain strings, so reading back gives exactly the Task that was written.
 */
import type { Task } from '../../core/model.ts';
import { hashScalar } from './hash-value.ts';

const NUMBER_FIELDS = new Set(['code_rev', 'priority', 'timeout', 'delay', 'duration', 'exit_code', 'percent', 'attempts', 'memory', 'retries', 'retries_delay']);
const JSON_FIELDS = new Set(['result', 'attempt_history', 'constraints']);

/** Fields that belong to the dispatch queue (`q_` prefix), not to the task users see. */
const INTERNAL_FIELD = /^q_/;

export function encodeTaskFields(fields: Record<string, unknown>): string[] {
  const flat: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (value === null) { flat.push(key, '\u0000'); continue; }
    flat.push(key, JSON_FIELDS.has(key) ? JSON.stringify(value) : hashScalar(value));
  }
  return flat;
}

export function decodeTask(hash: Record<string, string>): Task | undefined {
  if (!hash['id']) return undefined;
  const task: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(hash)) {
    if (key === 'created_ms' || INTERNAL_FIELD.test(key)) continue;
    if (NUMBER_FIELDS.has(key)) task[key] = Number(raw);
    else if (JSON_FIELDS.has(key)) task[key] = safeJson(raw);
    else task[key] = raw;
  }
  return task as unknown as Task;
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
