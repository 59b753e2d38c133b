/**
 * The daylight-saving rule of next.ts, checked on real 2026 transitions:
 * Europe/Berlin springs forward 2026-03-29 02:00 -> 03:00 (01:00Z) and falls back 2026-10-25
 * 03:00 -> 02:00 (01:00Z); America/New_York springs forward 2026-03-08 02:00 -> 03:00 (07:00Z) and
 * falls back 2026-11-01 02:00 -> 01:00 (06:00Z).
 */
import { describe, expect, it } from 'vitest';
import { countOccurrences, firingsAfter } from './next.ts';
import { parseCron } from './parse.ts';

const HOUR = 3_600_000;

function firingsBetween(expr: string, tz: string, from: string, to: string): string[] {
  return [...firingsAfter(parseCron(expr), tz, Date.parse(from), Date.parse(to))].map((ms) => new Date(ms).toISOString());
}

function gaps(isoTimes: string[]): number[] {
  return isoTimes.slice(1).map((t, i) => Date.parse(t) - Date.parse(isoTimes[i] ?? t));
}

describe('fixed-time jobs across a spring-forward', () => {
  it('fires a Berlin 02:30 job once at 03:30 CEST on the night 02:30 does not exist', () => {
    expect(firingsBetween('30 2 * * *', 'Europe/Berlin', '2026-03-27T12:00:00Z', '2026-03-30T12:00:00Z')).toEqual([
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      '2026-03-29T01:30:00.000Z', // 03:30 CEST: 02:30 read with the CET offset
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
    ]);
  });

  it('fires a New York 02:30 job once at 03:30 EDT on 2026-03-08', () => {
    expect(firingsBetween('30 2 * * *', 'America/New_York', '2026-03-07T00:00:00Z', '2026-03-09T12:00:00Z')).toEqual([
      '2026-03-07T07:30:00.000Z', // 02:30 EST
      '2026-03-08T07:30:00.000Z', // 03:30 EDT
      '2026-03-09T06:30:00.000Z', // 02:30 EDT
    ]);
  });

  it('fires each skipped wall time once, in order, and a shifted time that is also regular only once', () => {
    expect(firingsBetween('0,30 2 * * *', 'Europe/Berlin', '2026-03-28T12:00:00Z', '2026-03-29T12:00:00Z')).toEqual([
      '2026-03-29T01:00:00.000Z',
      '2026-03-29T01:30:00.000Z',
    ]);
    // 02:30 shifts onto 03:30, which the job also names: one firing, then the next day.
    expect(firingsBetween('30 2,3 * * *', 'Europe/Berlin', '2026-03-28T12:00:00Z', '2026-03-30T12:00:00Z')).toEqual([
      '2026-03-29T01:30:00.000Z',
      '2026-03-30T00:30:00.000Z',
      '2026-03-30T01:30:00.000Z',
    ]);
  });

  it('keeps firings in time order when a shifted one lands after a regular one (30-minute shift)', () => {
    // Lord Howe Island springs 02:00 -> 02:30 on 2026-10-04 (15:30Z). 02:15 shifts to 02:45 (+11:00),
    // after the regular 02:40.
    expect(firingsBetween('15,40 2 * * *', 'Australia/Lord_Howe', '2026-10-03T12:00:00Z', '2026-10-04T12:00:00Z')).toEqual([
      '2026-10-03T15:40:00.000Z',
      '2026-10-03T15:45:00.000Z',
    ]);
  });

  it('shifts a per-second fixed-time job second by second', () => {
    expect(firingsBetween('*/20 30 2 * * *', 'Europe/Berlin', '2026-03-29T00:00:00Z', '2026-03-29T12:00:00Z')).toEqual([
      '2026-03-29T01:30:00.000Z',
      '2026-03-29T01:30:20.000Z',
      '2026-03-29T01:30:40.000Z',
    ]);
  });

  it('applies the same rule in the southern hemisphere', () => {
    // Sydney springs 02:00 -> 03:00 on 2026-10-04 (16:00Z on the 3rd).
    expect(firingsBetween('30 2 * * *', 'Australia/Sydney', '2026-10-03T00:00:00Z', '2026-10-04T12:00:00Z')).toEqual([
      '2026-10-03T16:30:00.000Z',
    ]);
  });
});

describe('fixed-time jobs across a fall-back', () => {
  it('fires a Berlin 02:30 job once on 2026-10-25, at the first 02:30 (CEST)', () => {
    expect(firingsBetween('30 2 * * *', 'Europe/Berlin', '2026-10-24T12:00:00Z', '2026-10-26T12:00:00Z')).toEqual([
      '2026-10-25T00:30:00.000Z', // 02:30 CEST; 02:30 CET (01:30Z) does not fire
      '2026-10-26T01:30:00.000Z', // 02:30 CET
    ]);
  });

  it('fires a New York 01:30 job once on 2026-11-01, at the first 01:30 (EDT)', () => {
    expect(firingsBetween('30 1 * * *', 'America/New_York', '2026-10-31T12:00:00Z', '2026-11-02T12:00:00Z')).toEqual([
      '2026-11-01T05:30:00.000Z', // 01:30 EDT; 01:30 EST (06:30Z) does not fire
      '2026-11-02T06:30:00.000Z',
    ]);
  });

  it('fires a New York 02:30 job, which is not repeated, once', () => {
    expect(firingsBetween('30 2 * * *', 'America/New_York', '2026-10-31T12:00:00Z', '2026-11-01T23:00:00Z')).toEqual([
      '2026-11-01T07:30:00.000Z',
    ]);
  });

  it('counts the repeated hour once for a fixed-time job', () => {
    const expr = parseCron('*/20 30 1 * * *');
    const span: [Date, Date] = [new Date('2026-10-31T12:00:00Z'), new Date('2026-11-01T12:00:00Z')];
    expect(countOccurrences(expr, 'America/New_York', ...span)).toBe(3);
  });
});

describe('wildcard jobs follow real time', () => {
  it.each([
    ['Europe/Berlin', '2026-03-28T20:00:00Z', '2026-03-29T06:00:00Z'],
    ['Europe/Berlin', '2026-10-24T20:00:00Z', '2026-10-25T06:00:00Z'],
    ['America/New_York', '2026-03-08T02:00:00Z', '2026-03-08T12:00:00Z'],
    ['America/New_York', '2026-11-01T02:00:00Z', '2026-11-01T12:00:00Z'],
  ])('runs an hourly job in %s once every real hour across the change, from %s', (tz, from, to) => {
    const firings = firingsBetween('0 * * * *', tz, from, to);
    expect(firings).toHaveLength(10);
    expect(new Set(firings).size).toBe(10);
    expect(gaps(firings).every((g) => g === HOUR)).toBe(true);
  });

  it('runs both copies of the repeated hour and none of the skipped one', () => {
    expect(firingsBetween('0 * * * *', 'Europe/Berlin', '2026-10-24T23:30:00Z', '2026-10-25T02:30:00Z')).toEqual([
      '2026-10-25T00:00:00.000Z', // 02:00 CEST
      '2026-10-25T01:00:00.000Z', // 02:00 CET
      '2026-10-25T02:00:00.000Z', // 03:00 CET
    ]);
    expect(firingsBetween('0 * * * *', 'Europe/Berlin', '2026-03-28T23:30:00Z', '2026-03-29T02:30:00Z')).toEqual([
      '2026-03-29T00:00:00.000Z', // 01:00 CET
      '2026-03-29T01:00:00.000Z', // 03:00 CEST
      '2026-03-29T02:00:00.000Z', // 04:00 CEST
    ]);
  });

  it('runs a 15-minute job every 15 real minutes through the Berlin fall-back', () => {
    const firings = firingsBetween('*/15 * * * *', 'Europe/Berlin', '2026-10-24T23:00:00Z', '2026-10-25T03:00:00Z');
    expect(firings).toHaveLength(16);
    expect(gaps(firings).every((g) => g === 15 * 60_000)).toBe(true);
  });

  it('skips a wildcard-minute job whose hour does not exist, and runs it in both copies of a repeated hour', () => {
    expect(firingsBetween('*/30 2 * * *', 'Europe/Berlin', '2026-03-28T12:00:00Z', '2026-03-29T12:00:00Z')).toEqual([]);
    expect(firingsBetween('*/30 2 * * *', 'Europe/Berlin', '2026-10-24T12:00:00Z', '2026-10-25T12:00:00Z')).toEqual([
      '2026-10-25T00:00:00.000Z',
      '2026-10-25T00:30:00.000Z',
      '2026-10-25T01:00:00.000Z',
      '2026-10-25T01:30:00.000Z',
    ]);
  });
});
