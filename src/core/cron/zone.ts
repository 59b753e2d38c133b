/**
 * IANA time zones through the built-in Intl API: validating names, the UTC offset at an instant, and
 * the zone's history cut into "segments" of constant offset, which is what the cron search walks.
 *
 *   normalizeTimeZone('europe/berlin')                      // 'Europe/Berlin'
 *   offsetAt('America/New_York', Date.UTC(2026, 0, 1))     // -18_000_000 (ms, wall minus UTC)
 *   segmentAt('Europe/Berlin', Date.UTC(2026, 5, 1))       // { start: 29 Mar 01:00Z, end: 25 Oct 01:00Z, ... }
 *
 * Transitions are found by probing the offset once a day and bisecting to the second where it changes,
 * then cached per zone and year. Two transitions less than a day apart that cancel each other out would
 * go unseen; no zone in the current tz database has them.
 */
import { DhError } from '../errors.ts';

const SECOND = 1000;
const DAY = 86_400_000;

/** A span of instants [start, end) with one UTC offset; `offsetBefore` is the offset just before `start`. */
export interface ZoneSegment {
  readonly start: number;
  readonly end: number;
  /** Milliseconds to add to an instant to get its wall-clock reading (as if that reading were UTC). */
  readonly offset: number;
  /** Equal to `offset` when `start` is only a year boundary rather than a real transition. */
  readonly offsetBefore: number;
}

interface Transition {
  readonly at: number;
  readonly before: number;
  readonly after: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
interface ZoneYear {
  /** The offset in force at the first instant of the year. */
  readonly startOffset: number;
  readonly transitions: readonly Transition[];
}

const zoneYears = new Map<string, ZoneYear>();
/** A memo, not state: bounded so a long-running server cannot grow it without limit. */
const MAX_CACHED_ZONE_YEARS = 5000;

const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

/** True for names Intl knows as time zones (IANA names such as Europe/Berlin, and UTC). */
export function isValidTimeZone(name: string): boolean {
  if (!IANA_NAME.test(name)) return false;
  try {
    formatterFor(name);
    return true;
  } catch {
    return false;
  }
}

/** The zone's canonical spelling ('europe/berlin' -> 'Europe/Berlin'); throws DH_ERR_VALIDATION if unknown. */
export function normalizeTimeZone(name: string): string {
  if (!isValidTimeZone(name)) {
    throw new DhError(
      'DH_ERR_VALIDATION',
      `time zone "${name}" is not a known IANA time zone; use a name such as UTC, Europe/Berlin or America/New_York.`,
      { field: 'timezone', value: name },
    );
  }
  return formatterFor(name).resolvedOptions().timeZone;
}

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    // 'longOffset' prints the offset itself ("GMT+01:00", "GMT-00:44:30", "GMT"): one short string to
    // parse, several times faster than formatToParts of the wall clock.
    formatter = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    formatters.set(zone, formatter);
  }
  return formatter;
}

const OFFSET_TEXT = /GMT(?:([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?)?$/;

/** The zone's UTC offset at an instant, in milliseconds (wall clock minus UTC), to the second. */
export function offsetAt(zone: string, instant: number): number {
  const text = formatterFor(zone).format(instant);
  const match = OFFSET_TEXT.exec(text);
  if (match === null) {
    throw new DhError('DH_ERR_INTERNAL', `Cannot read the UTC offset of time zone "${zone}" from "${text}".`);
  }
  if (match[1] === undefined) return 0;
  const sign = match[1] === '-' ? -1 : 1;
  const seconds = Number(match[2]) * 3600 + Number(match[3] ?? 0) * 60 + Number(match[4] ?? 0);
  return sign * seconds * SECOND;
}

/** The segment of constant offset holding `instant`. Segments never cross a UTC new year. */
export function segmentAt(zone: string, instant: number): ZoneSegment {
  const year = new Date(instant).getUTCFullYear();
  const yearStart = startOfUtcYear(year);
  const yearEnd = startOfUtcYear(year + 1);
  const { startOffset, transitions } = zoneYear(zone, year);
  let segment: ZoneSegment = { start: yearStart, end: yearEnd, offset: startOffset, offsetBefore: startOffset };
  for (const t of transitions) {
    if (t.at > instant) return { ...segment, end: t.at };
    segment = { start: t.at, end: yearEnd, offset: t.after, offsetBefore: t.before };
  }
  return segment;
}

function startOfUtcYear(year: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, 0, 1);
  d.setUTCHours(0, 0, 0, 0);
  return d.getTime();
}

/** The offset changes whose instant lies in [start of `year`, start of `year + 1`), oldest first. */
function zoneYear(zone: string, year: number): ZoneYear {
  const key = `${zone}\u0000${year}`;
  const cached = zoneYears.get(key);
  if (cached !== undefined) return cached;

  const from = startOfUtcYear(year);
  const to = startOfUtcYear(year + 1);
  const found: Transition[] = [];
  let probe = from - SECOND;
  let probeOffset = offsetAt(zone, probe);
  while (probe < to - SECOND) {
    const next = Math.min(probe + DAY, to - SECOND);
    const nextOffset = offsetAt(zone, next);
    if (nextOffset !== probeOffset) {
      const at = firstInstantWithChangedOffset(zone, probe, next, probeOffset);
      const after = offsetAt(zone, at);
      found.push({ at, before: probeOffset, after });
      // Resume from the transition: another one may follow within the same day.
      probe = at;
      probeOffset = after;
      continue;
    }
    probe = next;
    probeOffset = nextOffset;
  }
  const first = found[0];
  const result: ZoneYear = {
    startOffset: first !== undefined && first.at === from ? first.after : offsetAt(zone, from),
    transitions: found,
  };
  if (zoneYears.size >= MAX_CACHED_ZONE_YEARS) zoneYears.clear();
  zoneYears.set(key, result);
  return result;
}

/** Bisects (low, high] to the first whole second whose offset differs from `lowOffset`. */
function firstInstantWithChangedOffset(zone: string, low: number, high: number, lowOffset: number): number {
  let lo = low;
  let hi = high;
  while (hi - lo > SECOND) {
    const mid = lo + Math.floor((hi - lo) / 2 / SECOND) * SECOND;
    if (offsetAt(zone, mid) === lowOffset) lo = mid;
    else hi = mid;
  }
  return hi;
}
