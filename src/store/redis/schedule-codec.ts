/**
 * Schedules are Redis hashes of strings. This codec is the one place that knows which fields are
 * numbers and which are flags, so reading back gives exactly the ScheduleRecord that was written.
 */
import type { ScheduleFiring } from '../../core/model.ts';
import type { ScheduleRecord } from '../ports.ts';
import { hashScalar } from './hash-value.ts';

const NUMBER_FIELDS = new Set(['every', 'run_times', 'priority', 'timeout', 'run_count', 'version', 'last_handled_ms', 'next_ms']);
const FLAG_FIELDS = new Set(['start_declared']);
/** Kept in the hash for the store's own use; never part of a record (`ending`: lib/schedule-end.lua). */
const HIDDEN_FIELDS = new Set(['created_ms', 'ending']);

/** Field, value pairs for HSET; `null` becomes '\0', which the scripts read as "delete the field". */
export function encodeScheduleFields(fields: Record<string, unknown>): string[] {
  const flat: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (value === null) {
      flat.push(key, '\u0000');
      continue;
    }
    flat.push(key, FLAG_FIELDS.has(key) ? (value ? '1' : '0') : hashScalar(value));
  }
  return flat;
}

export function decodeSchedule(hash: Record<string, string>): ScheduleRecord | undefined {
  if (!hash['id']) return undefined;
  const record: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(hash)) {
    if (HIDDEN_FIELDS.has(key)) continue;
    if (NUMBER_FIELDS.has(key)) record[key] = Number(raw);
    else if (FLAG_FIELDS.has(key)) record[key] = raw === '1';
    else record[key] = raw;
  }
  record['run_count'] ??= 0;
  record['version'] ??= 0;
  record['start_declared'] ??= false;
  return record as unknown as ScheduleRecord;
}

export function decodeFiring(json: string): ScheduleFiring | undefined {
  try {
    const parsed = JSON.parse(json) as ScheduleFiring;
    return typeof parsed.at === 'string' && typeof parsed.outcome === 'string' ? parsed : undefined;
  } catch {
    return undefined;
  }
}
