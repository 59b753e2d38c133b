/**
 * The occurrences of a schedule of any kind (cron, every-N, once) within its bounds: start_at and
 * end_at (both inclusive) always, run_times when the caller says how many tasks already ran.
 *
 *   nextFiring(def, new Date(), record.run_count)                  // when to fire next, or null: done
 *   occurrencesBetween(def, from, to, 10)                          // a preview of up to 10
 *
 * Counting and "the last N" are exact and cheap however dense the schedule (a per-second cron over a
 * year is counted, not enumerated), which is what lets planDue bound its work.
 */
import { countOccurrences, firingsAfter, lastOccurrences } from '../cron/next.ts';
import type { ScheduleDefinition } from './definition.ts';

interface Span {
  /** Exclusive, in ms. */
  readonly from: number;
  /** Inclusive, in ms. */
  readonly to: number;
}

/** The first occurrence strictly after `after`, or null when the schedule has no more (run_times spent, end_at passed). */
export function nextFiring(def: ScheduleDefinition, after: Date, runCount = 0): Date | null {
  if (remainingRuns(def, runCount) <= 0) return null;
  return occurrencesBetween(def, after, new Date(8.64e15), 1, runCount)[0] ?? null;
}

/**
 * Up to `limit` occurrences in (fromExclusive, toInclusive], oldest first, never more than run_times
 * leaves after `runCount` tasks.
 */
export function occurrencesBetween(
  def: ScheduleDefinition,
  fromExclusive: Date,
  toInclusive: Date,
  limit: number,
  runCount = 0,
): Date[] {
  return firstBetween(def, fromExclusive, toInclusive, Math.min(limit, remainingRuns(def, runCount)));
}

/** The first `count` occurrences in (fromExclusive, toInclusive] within start_at/end_at (run_times aside). */
export function firstBetween(def: ScheduleDefinition, fromExclusive: Date, toInclusive: Date, count: number): Date[] {
  const span = clamp(def, fromExclusive, toInclusive);
  const out: Date[] = [];
  if (span === null || count <= 0) return out;
  switch (def.kind) {
    case 'cron':
      for (const instant of firingsAfter(def.expr, def.timezone, span.from, span.to)) {
        out.push(new Date(instant));
        if (out.length >= count) break;
      }
      return out;
    case 'every': {
      const period = def.runEverySeconds * 1000;
      const anchor = def.startAt.getTime();
      for (let n = firstIndexAfter(anchor, period, span.from); out.length < count; n++) {
        const instant = anchor + n * period;
        if (instant > span.to) break;
        out.push(new Date(instant));
      }
      return out;
    }
    case 'once':
      return inSpan(def.at.getTime(), span) ? [new Date(def.at.getTime())] : out;
  }
}

/** How many occurrences lie in (fromExclusive, toInclusive] within start_at/end_at (run_times aside). */
export function countBetween(def: ScheduleDefinition, fromExclusive: Date, toInclusive: Date): number {
  const span = clamp(def, fromExclusive, toInclusive);
  if (span === null) return 0;
  switch (def.kind) {
    case 'cron':
      return countOccurrences(def.expr, def.timezone, new Date(span.from), new Date(span.to));
    case 'every': {
      const period = def.runEverySeconds * 1000;
      const anchor = def.startAt.getTime();
      if (span.to < anchor) return 0;
      const last = Math.floor((span.to - anchor) / period);
      return Math.max(0, last - firstIndexAfter(anchor, period, span.from) + 1);
    }
    case 'once':
      return inSpan(def.at.getTime(), span) ? 1 : 0;
  }
}

/** The last `count` occurrences in (fromExclusive, toInclusive] within start_at/end_at, oldest first. */
export function lastBetween(def: ScheduleDefinition, fromExclusive: Date, toInclusive: Date, count: number): Date[] {
  const span = clamp(def, fromExclusive, toInclusive);
  if (span === null || count <= 0) return [];
  switch (def.kind) {
    case 'cron':
      return lastOccurrences(def.expr, def.timezone, new Date(span.from), new Date(span.to), count);
    case 'every': {
      const period = def.runEverySeconds * 1000;
      const anchor = def.startAt.getTime();
      if (span.to < anchor) return [];
      const last = Math.floor((span.to - anchor) / period);
      const first = Math.max(firstIndexAfter(anchor, period, span.from), last - count + 1);
      const out: Date[] = [];
      for (let n = first; n <= last; n++) out.push(new Date(anchor + n * period));
      return out;
    }
    case 'once':
      return inSpan(def.at.getTime(), span) ? [new Date(def.at.getTime())] : [];
  }
}

/** How many more tasks run_times allows (Infinity without run_times). */
export function remainingRuns(def: ScheduleDefinition, runCount: number): number {
  return def.runTimes === undefined ? Number.POSITIVE_INFINITY : def.runTimes - runCount;
}

/** Narrows (from, to] to the schedule's [startAt, endAt]; null when nothing is left. */
function clamp(def: ScheduleDefinition, fromExclusive: Date, toInclusive: Date): Span | null {
  let from = fromExclusive.getTime();
  let to = toInclusive.getTime();
  // startAt is inclusive, so the exclusive lower bound sits one millisecond before it.
  if (def.startAt !== undefined) from = Math.max(from, def.startAt.getTime() - 1);
  if (def.endAt !== undefined) to = Math.min(to, def.endAt.getTime());
  return from < to ? { from, to } : null;
}

function inSpan(instant: number, span: Span): boolean {
  return instant > span.from && instant <= span.to;
}

/** The index n of the first anchor + n * period strictly after `after` (never below 0). */
function firstIndexAfter(anchor: number, period: number, after: number): number {
  return after < anchor ? 0 : Math.floor((after - anchor) / period) + 1;
}
