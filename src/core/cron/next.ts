/**
 * When a cron expression fires in an IANA time zone: the next instants after a given one, how many
 * firings lie in a span, and the most recent ones in a span. All instants are whole UTC seconds.
 *
 *   const daily = parseCron('30 2 * * *');
 *   nextOccurrences(daily, 'Europe/Berlin', new Date('2026-03-28T12:00:00Z'), 2)
 *   // [2026-03-29T01:30:00Z (03:30 CEST: 02:30 does not exist that night), 2026-03-30T00:30:00Z]
 *
 * Daylight-saving rule (Vixie cron's intent, made exact and deterministic):
 *
 * - Fixed-time jobs (neither minute nor hour written with `*`, e.g. `30 2 * * *`, `@daily`):
 *   - a wall time skipped by a spring-forward fires once, read with the UTC offset in force before the
 *     change, i.e. shifted later by the size of the gap: Berlin 02:30 on 2026-03-29 fires at 03:30 CEST
 *     (01:30Z); New York 02:30 on 2026-03-08 fires at 03:30 EDT (07:30Z). This is RFC 5545's reading
 *     of a nonexistent local time. If the shifted instant is also a regular firing (`30 2,3 * * *`), it
 *     fires once.
 *   - a wall time repeated by a fall-back fires only at its first occurrence (the earlier offset):
 *     Berlin 02:30 on 2026-10-25 fires at 02:30 CEST (00:30Z) and not at 02:30 CET.
 * - Wildcard jobs (minute or hour written with `*`, e.g. `0 * * * *`, `*\/15 * * * *`, `*\/5 2 * * *`)
 *   follow real time: they fire at every instant whose local wall time matches. Across a spring-forward
 *   the skipped wall times simply do not occur (an hourly job runs 01:00 CET, then 03:00 CEST: one real
 *   hour apart); across a fall-back both copies of the repeated hour occur (02:00 CEST and 02:00 CET,
 *   one real hour apart). So an hourly job never has a gap or a duplicate in real time.
 * Either way, no instant fires twice.
 *
 * Search bound: each search for the next firing looks at most SEARCH_HORIZON_YEARS (9) years ahead,
 * past the longest gap a satisfiable expression can have: 8 years, for Feb 29 across a non-leap
 * century year (2096 -> 2104). parseCron already rejects expressions that can never fire, such as
 * `0 0 30 2 *`; a hand-built impossible expression returns no occurrences after that bounded search.
 */
import type { CronExpression } from './parse.ts';
import { countWallMatches, matchesWall, nextWallMatch } from './wall.ts';
import { segmentAt, type ZoneSegment } from './zone.ts';

export const SEARCH_HORIZON_YEARS = 9;
const SECOND = 1000;
const HORIZON_MS = Math.round(SEARCH_HORIZON_YEARS * 365.2425 * 86_400_000);

/** The first firing strictly after `after`, or null if none within the search horizon. */
export function nextOccurrence(expr: CronExpression, timeZone: string, after: Date): Date | null {
  return nextOccurrences(expr, timeZone, after, 1)[0] ?? null;
}

/**
 * Up to `count` firings strictly after `after`, oldest first. Fewer (possibly none) when the next one
 * lies more than the search horizon past the previous one.
 */
export function nextOccurrences(expr: CronExpression, timeZone: string, after: Date, count: number): Date[] {
  const out: Date[] = [];
  if (count <= 0) return out;
  for (const instant of firingsAfter(expr, timeZone, after.getTime(), Number.POSITIVE_INFINITY)) {
    out.push(new Date(instant));
    if (out.length >= count) break;
  }
  return out;
}

/** How many firings lie in (fromExclusive, toInclusive]. Exact, and cheap for any density. */
export function countOccurrences(expr: CronExpression, timeZone: string, fromExclusive: Date, toInclusive: Date): number {
  const from = firstWholeSecondAfter(fromExclusive.getTime());
  const to = firstWholeSecondAfter(toInclusive.getTime());
  let total = 0;
  for (let t = from; t < to; ) {
    const seg = segmentAt(timeZone, t);
    const end = Math.min(seg.end, to);
    total += countWallMatches(expr, regularWallFrom(expr, seg, t), end + seg.offset);
    if (springsForward(expr, seg)) total += countShiftedOnly(expr, seg, t, end);
    t = seg.end;
  }
  return total;
}

/**
 * The last `count` firings in (fromExclusive, toInclusive], oldest first: found by bisecting on
 * countOccurrences, so the work does not grow with the number of firings in the span.
 */
export function lastOccurrences(
  expr: CronExpression,
  timeZone: string,
  fromExclusive: Date,
  toInclusive: Date,
  count: number,
): Date[] {
  if (count <= 0) return [];
  const to = toInclusive.getTime();
  // Firings are whole seconds, so (x, to] holds the same firings as (floor(x), to].
  let low = Math.floor(fromExclusive.getTime() / SECOND) * SECOND;
  if (countOccurrences(expr, timeZone, fromExclusive, toInclusive) > count) {
    // Invariant: at least `count` firings lie in (low, to], fewer than `count` in (high, to].
    let high = Math.floor(to / SECOND) * SECOND;
    while (high - low > SECOND) {
      const mid = low + Math.floor((high - low) / (2 * SECOND)) * SECOND;
      if (countOccurrences(expr, timeZone, new Date(mid), toInclusive) >= count) low = mid;
      else high = mid;
    }
  }
  const out: Date[] = [];
  for (const instant of firingsAfter(expr, timeZone, low, to)) {
    out.push(new Date(instant));
    if (out.length >= count) break;
  }
  return out;
}

/** Successive firings in (after, limit], oldest first; each step searches at most the horizon ahead. */
export function* firingsAfter(expr: CronExpression, timeZone: string, after: number, limit: number): Generator<number> {
  let t = firstWholeSecondAfter(after);
  let horizonEnd = after + HORIZON_MS;
  let seg: ZoneSegment | undefined;
  while (t <= limit && t <= horizonEnd) {
    if (seg === undefined || t >= seg.end || t < seg.start) seg = segmentAt(timeZone, t);
    const found = firstFiringInSegment(expr, seg, t);
    if (found === null) {
      t = seg.end;
      continue;
    }
    if (found > limit || found > horizonEnd) return;
    yield found;
    t = found + SECOND;
    horizonEnd = found + HORIZON_MS;
  }
}

/** The earliest firing at or after instant `t` inside the segment, or null. */
function firstFiringInSegment(expr: CronExpression, seg: ZoneSegment, t: number): number | null {
  const wall = nextWallMatch(expr, regularWallFrom(expr, seg, t), seg.end + seg.offset);
  let best = wall === null ? null : wall - seg.offset;
  if (springsForward(expr, seg)) {
    const shiftedWall = nextWallMatch(
      expr,
      Math.max(seg.start + seg.offsetBefore, t + seg.offsetBefore),
      seg.start + seg.offset,
    );
    if (shiftedWall !== null) {
      const shifted = shiftedWall - seg.offsetBefore;
      if (best === null || shifted < best) best = shifted;
    }
  }
  return best;
}

/**
 * The first wall reading a regular firing may have from instant `t` on. After a fall-back, a fixed-time
 * job skips the repeated wall times: they fired already, at their first occurrence.
 */
function regularWallFrom(expr: CronExpression, seg: ZoneSegment, t: number): number {
  const wall = t + seg.offset;
  const fallsBack = expr.fixedTime && seg.offsetBefore > seg.offset;
  return fallsBack ? Math.max(wall, seg.start + seg.offsetBefore) : wall;
}

/** True when the segment begins with a spring-forward and the job fires the wall times it skips. */
function springsForward(expr: CronExpression, seg: ZoneSegment): boolean {
  return expr.fixedTime && seg.offset > seg.offsetBefore;
}

/**
 * Shifted firings (skipped wall times read with the earlier offset) in [from, to) of a spring-forward
 * segment that do not coincide with a regular firing. At most one gap's worth of seconds is walked.
 */
function countShiftedOnly(expr: CronExpression, seg: ZoneSegment, from: number, to: number): number {
  const gapEnd = Math.min(seg.start + seg.offset, to + seg.offsetBefore);
  let n = 0;
  let wall = nextWallMatch(expr, Math.max(seg.start + seg.offsetBefore, from + seg.offsetBefore), gapEnd);
  while (wall !== null) {
    const instant = wall - seg.offsetBefore;
    if (!matchesWall(expr, instant + seg.offset)) n += 1;
    wall = nextWallMatch(expr, wall + SECOND, gapEnd);
  }
  return n;
}

function firstWholeSecondAfter(ms: number): number {
  return Math.floor(ms / SECOND) * SECOND + SECOND;
}
