import { describe, expect, it } from 'vitest';
import { countOccurrences, firingsAfter, lastOccurrences, nextOccurrence, nextOccurrences } from './next.ts';
import { parseCron, type CronExpression } from './parse.ts';

const isoList = (dates: Date[]): string[] => dates.map((d) => d.toISOString());
const next = (expr: string, tz: string, after: string, n: number): string[] =>
  isoList(nextOccurrences(parseCron(expr), tz, new Date(after), n));

describe('nextOccurrences for common expressions (UTC)', () => {
  it('steps every 15 minutes from inside an interval', () => {
    expect(next('*/15 * * * *', 'UTC', '2026-05-05T10:07:00Z', 3)).toEqual([
      '2026-05-05T10:15:00.000Z',
      '2026-05-05T10:30:00.000Z',
      '2026-05-05T10:45:00.000Z',
    ]);
  });

  it('treats `after` as exclusive, also when it falls inside a second', () => {
    expect(next('0 * * * *', 'UTC', '2026-05-05T10:00:00Z', 1)).toEqual(['2026-05-05T11:00:00.000Z']);
    expect(next('0 * * * *', 'UTC', '2026-05-05T09:59:59.999Z', 1)).toEqual(['2026-05-05T10:00:00.000Z']);
    expect(next('* * * * * *', 'UTC', '2026-05-05T10:00:00.400Z', 1)).toEqual(['2026-05-05T10:00:01.000Z']);
  });

  it('skips the weekend for a weekday job', () => {
    // 2026-05-08 is a Friday.
    expect(next('0 9 * * MON-FRI', 'UTC', '2026-05-08T09:00:00Z', 2)).toEqual([
      '2026-05-11T09:00:00.000Z',
      '2026-05-12T09:00:00.000Z',
    ]);
  });

  it('runs macros on their documented calendar', () => {
    expect(next('@monthly', 'UTC', '2026-01-31T12:00:00Z', 2)).toEqual(['2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z']);
    expect(next('@weekly', 'UTC', '2026-05-05T00:00:00Z', 1)).toEqual(['2026-05-10T00:00:00.000Z']);
    expect(next('@yearly', 'UTC', '2026-05-05T00:00:00Z', 1)).toEqual(['2027-01-01T00:00:00.000Z']);
  });

  it('fires every second for a per-second schedule, and on its seconds for a stepped one', () => {
    expect(next('* * * * * *', 'UTC', '2026-12-31T23:59:58Z', 3)).toEqual([
      '2026-12-31T23:59:59.000Z',
      '2027-01-01T00:00:00.000Z',
      '2027-01-01T00:00:01.000Z',
    ]);
    expect(next('*/20 * * * * *', 'Europe/Berlin', '2026-05-05T10:00:05Z', 3)).toEqual([
      '2026-05-05T10:00:20.000Z',
      '2026-05-05T10:00:40.000Z',
      '2026-05-05T10:01:00.000Z',
    ]);
  });

  it('uses the local calendar of the zone', () => {
    // 09:00 in New York in May is 13:00Z; in Kolkata (+05:30) it is 03:30Z.
    expect(next('0 9 * * *', 'America/New_York', '2026-05-05T00:00:00Z', 1)).toEqual(['2026-05-05T13:00:00.000Z']);
    expect(next('0 9 * * *', 'Asia/Kolkata', '2026-05-05T00:00:00Z', 1)).toEqual(['2026-05-05T03:30:00.000Z']);
    // Midnight on the 1st in Berlin is still the previous month in UTC.
    expect(next('0 0 1 * *', 'Europe/Berlin', '2026-05-05T00:00:00Z', 1)).toEqual(['2026-05-31T22:00:00.000Z']);
  });

  it('fires a Feb 29 schedule only in leap years, across the skipped century leap day', () => {
    expect(next('0 0 29 2 *', 'UTC', '2026-01-01T00:00:00Z', 3)).toEqual([
      '2028-02-29T00:00:00.000Z',
      '2032-02-29T00:00:00.000Z',
      '2036-02-29T00:00:00.000Z',
    ]);
    expect(next('0 0 29 2 *', 'Europe/Berlin', '2096-02-29T00:00:00Z', 1)).toEqual(['2104-02-28T23:00:00.000Z']);
  });

  it('fires on the union of day-of-month and day-of-week when both are restricted', () => {
    // The 1st of the month, or any Sunday: from Wed 2026-04-01 noon -> Sun 5, Sun 12, ..., then May 1 (Fri).
    expect(next('0 0 1 * SUN', 'UTC', '2026-04-01T12:00:00Z', 6)).toEqual([
      '2026-04-05T00:00:00.000Z',
      '2026-04-12T00:00:00.000Z',
      '2026-04-19T00:00:00.000Z',
      '2026-04-26T00:00:00.000Z',
      '2026-05-01T00:00:00.000Z',
      '2026-05-03T00:00:00.000Z',
    ]);
  });

  it('returns nothing for a zero count and null from nextOccurrence only when nothing comes', () => {
    expect(nextOccurrences(parseCron('* * * * *'), 'UTC', new Date(), 0)).toEqual([]);
    expect(nextOccurrence(parseCron('0 0 1 1 *'), 'UTC', new Date('2026-06-01T00:00:00Z'))?.toISOString()).toBe(
      '2027-01-01T00:00:00.000Z',
    );
  });

  it('gives up on an impossible hand-built expression after a bounded search', () => {
    const impossible: CronExpression = { ...parseCron('0 0 1 1 *'), daysOfMonth: [30], months: [2] };
    const started = performance.now();
    expect(nextOccurrences(impossible, 'Europe/Berlin', new Date('2026-01-01T00:00:00Z'), 1)).toEqual([]);
    expect(nextOccurrence(impossible, 'UTC', new Date('2026-01-01T00:00:00Z'))).toBeNull();
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('countOccurrences and lastOccurrences', () => {
  const cases: Array<[string, string, string, string]> = [
    ['0 * * * *', 'Europe/Berlin', '2026-03-28T00:00:00Z', '2026-03-31T00:00:00Z'],
    ['*/10 * * * *', 'Europe/Berlin', '2026-10-24T00:00:00Z', '2026-10-26T12:00:00Z'],
    ['30 2 * * *', 'Europe/Berlin', '2026-03-20T00:00:00Z', '2026-11-05T00:00:00Z'],
    ['0,30 2,3 * * *', 'America/New_York', '2026-03-01T00:00:00Z', '2026-03-20T00:00:00Z'],
    ['15,40 2 * * *', 'Australia/Lord_Howe', '2026-09-30T00:00:00Z', '2026-10-08T00:00:00Z'],
    ['*/20 30 2 * * *', 'Europe/Berlin', '2026-03-28T00:00:00Z', '2026-03-30T23:00:00Z'],
    ['0 0 13 * FRI', 'UTC', '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'],
  ];

  it.each(cases)('agrees with enumeration for %s in %s', (text, tz, from, to) => {
    const expr = parseCron(text);
    const all = [...firingsAfter(expr, tz, Date.parse(from), Date.parse(to))].map((ms) => new Date(ms));
    expect(countOccurrences(expr, tz, new Date(from), new Date(to))).toBe(all.length);
    expect(isoList(lastOccurrences(expr, tz, new Date(from), new Date(to), 5))).toEqual(isoList(all.slice(-5)));
    expect(isoList(lastOccurrences(expr, tz, new Date(from), new Date(to), 1_000_000))).toEqual(isoList(all));
  });

  it('counts a dense schedule over a long span exactly and fast', () => {
    const started = performance.now();
    const perSecond = parseCron('* * * * * *');
    expect(countOccurrences(perSecond, 'Europe/Berlin', new Date('2026-01-01T00:00:00Z'), new Date('2027-01-01T00:00:00Z'))).toBe(
      365 * 86_400,
    );
    expect(
      isoList(lastOccurrences(perSecond, 'America/New_York', new Date('2026-01-01T00:00:00Z'), new Date('2026-06-01T00:00:00.500Z'), 2)),
    ).toEqual(['2026-05-31T23:59:59.000Z', '2026-06-01T00:00:00.000Z']);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('excludes the lower bound and includes the upper one', () => {
    const hourly = parseCron('0 * * * *');
    expect(countOccurrences(hourly, 'UTC', new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T03:00:00Z'))).toBe(3);
    expect(countOccurrences(hourly, 'UTC', new Date('2026-01-01T03:00:00Z'), new Date('2026-01-01T00:00:00Z'))).toBe(0);
  });
});
