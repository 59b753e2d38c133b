/**
 * Cron matching on a plain wall-clock calendar with no time zone: a wall time is a number of
 * milliseconds read as if it were UTC (2026-03-29 02:30 local is Date.UTC(2026, 2, 29, 2, 30)).
 * next.ts maps these readings to real instants zone segment by zone segment.
 *
 *   nextWallMatch(parseCron('30 2 * * *'), Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1))  // Jan 1 02:30
 *   countWallMatches(parseCron('0 * * * *'), Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 2)) // 24
 *
 * Both skip by field (to the next allowed month, day, hour, minute, second) rather than stepping
 * through seconds, and both stop at an exclusive upper bound, so an expression that rarely or never
 * matches costs a few steps per month searched.
 */
import type { CronExpression } from './parse.ts';

const SECOND = 1000;
const DAY = 86_400_000;

interface FieldTable {
  readonly allowed: Uint8Array;
  /** next[i]: the smallest allowed value >= i, or -1. One slot past the maximum holds -1. */
  readonly next: Int16Array;
  /** prefix[i]: how many allowed values are < i. */
  readonly prefix: Uint32Array;
  readonly size: number;
}

interface Tables {
  readonly second: FieldTable;
  readonly minute: FieldTable;
  readonly hour: FieldTable;
  readonly dayOfMonth: FieldTable;
  readonly month: FieldTable;
  readonly dayOfWeek: FieldTable;
  readonly perDay: number;
}

const tablesByExpression = new WeakMap<CronExpression, Tables>();

function tablesFor(expr: CronExpression): Tables {
  let tables = tablesByExpression.get(expr);
  if (tables === undefined) {
    const second = fieldTable(expr.seconds, 59);
    const minute = fieldTable(expr.minutes, 59);
    const hour = fieldTable(expr.hours, 23);
    tables = {
      second,
      minute,
      hour,
      dayOfMonth: fieldTable(expr.daysOfMonth, 31),
      month: fieldTable(expr.months, 12),
      dayOfWeek: fieldTable(expr.daysOfWeek, 6),
      perDay: hour.size * minute.size * second.size,
    };
    tablesByExpression.set(expr, tables);
  }
  return tables;
}

function fieldTable(values: readonly number[], max: number): FieldTable {
  const allowed = new Uint8Array(max + 2);
  for (const v of values) allowed[v] = 1;
  const next = new Int16Array(max + 2).fill(-1);
  for (let i = max; i >= 0; i--) next[i] = allowed[i] === 1 ? i : (next[i + 1] ?? -1);
  const prefix = new Uint32Array(max + 3);
  for (let i = 0; i <= max + 1; i++) prefix[i + 1] = (prefix[i] ?? 0) + (allowed[i] ?? 0);
  return { allowed, next, prefix, size: values.length };
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Wall milliseconds of a calendar reading; correct for years below 100 too. */
function wallMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  if (year >= 100 || year < 0) return ms;
  const d = new Date(ms);
  d.setUTCFullYear(year);
  return d.getTime();
}

function weekday(dayStartMs: number): number {
  // 1970-01-01 was a Thursday (4).
  return (((Math.floor(dayStartMs / DAY) + 4) % 7) + 7) % 7;
}

function dayMatches(expr: CronExpression, t: Tables, year: number, month: number, day: number): boolean {
  if (t.month.allowed[month] !== 1 || day > daysInMonth(year, month)) return false;
  const domOk = t.dayOfMonth.allowed[day] === 1;
  const dowOk = t.dayOfWeek.allowed[weekday(wallMs(year, month, day))] === 1;
  // Vixie cron: both restricted -> either may match; otherwise the unrestricted one allows every day.
  return expr.dayOfMonthRestricted && expr.dayOfWeekRestricted ? domOk || dowOk : domOk && dowOk;
}

/** True when the wall reading (whole second) matches every field. */
export function matchesWall(expr: CronExpression, wall: number): boolean {
  const t = tablesFor(expr);
  const d = new Date(wall);
  return (
    d.getUTCMilliseconds() === 0 &&
    dayMatches(expr, t, d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()) &&
    t.hour.allowed[d.getUTCHours()] === 1 &&
    t.minute.allowed[d.getUTCMinutes()] === 1 &&
    t.second.allowed[d.getUTCSeconds()] === 1
  );
}

/** The first matching wall reading in [from, to), or null. */
export function nextWallMatch(expr: CronExpression, from: number, to: number): number | null {
  const t = tablesFor(expr);
  const start = new Date(Math.ceil(from / SECOND) * SECOND);
  let year = start.getUTCFullYear();
  let month = start.getUTCMonth() + 1;
  let day = start.getUTCDate();
  let hour = start.getUTCHours();
  let minute = start.getUTCMinutes();
  let second = start.getUTCSeconds();

  const nextDay = (): void => {
    day += 1;
    hour = 0;
    minute = 0;
    second = 0;
  };

  for (;;) {
    if (wallMs(year, month, day) >= to) return null;
    const allowedMonth = t.month.next[month] ?? -1;
    if (allowedMonth === -1) {
      year += 1;
      month = 1;
      day = 1;
      hour = minute = second = 0;
      continue;
    }
    if (allowedMonth !== month) {
      month = allowedMonth;
      day = 1;
      hour = minute = second = 0;
      continue;
    }
    if (day > daysInMonth(year, month)) {
      month += 1;
      day = 1;
      hour = minute = second = 0;
      continue;
    }
    if (!dayMatches(expr, t, year, month, day)) {
      nextDay();
      continue;
    }
    const allowedHour = t.hour.next[hour] ?? -1;
    if (allowedHour === -1) {
      nextDay();
      continue;
    }
    if (allowedHour !== hour) {
      hour = allowedHour;
      minute = second = 0;
    }
    const allowedMinute = t.minute.next[minute] ?? -1;
    if (allowedMinute === -1) {
      hour += 1;
      minute = second = 0;
      continue;
    }
    if (allowedMinute !== minute) {
      minute = allowedMinute;
      second = 0;
    }
    const allowedSecond = t.second.next[second] ?? -1;
    if (allowedSecond === -1) {
      minute += 1;
      second = 0;
      continue;
    }
    const found = wallMs(year, month, day, hour, minute, allowedSecond);
    return found < to ? found : null;
  }
}

/** How many matching wall readings lie in [from, to). */
export function countWallMatches(expr: CronExpression, from: number, to: number): number {
  if (from >= to) return 0;
  const t = tablesFor(expr);
  const first = new Date(from);
  let year = first.getUTCFullYear();
  let month = first.getUTCMonth() + 1;
  let day = first.getUTCDate();
  let total = 0;
  for (;;) {
    const dayStart = wallMs(year, month, day);
    if (dayStart >= to) return total;
    if (t.month.allowed[month] !== 1) {
      // Skip the whole month.
      month += 1;
      day = 1;
    } else {
      if (dayMatches(expr, t, year, month, day)) {
        const low = Math.max(0, Math.ceil((from - dayStart) / SECOND));
        const high = Math.min(86_400, Math.ceil((to - dayStart) / SECOND));
        total += matchesBefore(t, high) - matchesBefore(t, low);
      }
      day += 1;
      if (day > daysInMonth(year, month)) {
        month += 1;
        day = 1;
      }
    }
    if (month > 12) {
      year += 1;
      month = 1;
    }
  }
}

/** How many matching times of day lie before `secondOfDay` (0..86400). */
function matchesBefore(t: Tables, secondOfDay: number): number {
  if (secondOfDay >= 86_400) return t.perDay;
  const hour = Math.floor(secondOfDay / 3600);
  const minute = Math.floor((secondOfDay % 3600) / 60);
  const second = secondOfDay % 60;
  const perMinute = t.second.size;
  const perHour = t.minute.size * perMinute;
  let n = (t.hour.prefix[hour] ?? 0) * perHour;
  if (t.hour.allowed[hour] === 1) {
    n += (t.minute.prefix[minute] ?? 0) * perMinute;
    if (t.minute.allowed[minute] === 1) n += t.second.prefix[second] ?? 0;
  }
  return n;
}
