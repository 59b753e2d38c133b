import { describe, expect, it } from 'vitest';
import { countBetween, firstBetween, lastBetween, nextFiring, occurrencesBetween } from './occurrences.ts';
import { parseScheduleDefinition } from './schema.ts';

const d = (iso: string): Date => new Date(iso);
const isoList = (dates: Date[]): string[] => dates.map((x) => x.toISOString());

describe('every-N schedules', () => {
  const def = parseScheduleDefinition({ every: 60, start_at: '2026-05-05T10:00:00Z', end_at: '2026-05-05T10:05:00Z' });

  it('fires at start_at and every run_every seconds up to end_at, both inclusive', () => {
    expect(isoList(occurrencesBetween(def, d('2026-05-05T00:00:00Z'), d('2026-05-06T00:00:00Z'), 100))).toEqual([
      '2026-05-05T10:00:00.000Z',
      '2026-05-05T10:01:00.000Z',
      '2026-05-05T10:02:00.000Z',
      '2026-05-05T10:03:00.000Z',
      '2026-05-05T10:04:00.000Z',
      '2026-05-05T10:05:00.000Z',
    ]);
  });

  it('answers the next firing before, inside and after its bounds', () => {
    expect(nextFiring(def, d('2026-05-01T00:00:00Z'))?.toISOString()).toBe('2026-05-05T10:00:00.000Z');
    expect(nextFiring(def, d('2026-05-05T10:02:00Z'))?.toISOString()).toBe('2026-05-05T10:03:00.000Z');
    expect(nextFiring(def, d('2026-05-05T10:02:30Z'))?.toISOString()).toBe('2026-05-05T10:03:00.000Z');
    expect(nextFiring(def, d('2026-05-05T10:05:00Z'))).toBeNull();
  });

  it('stops after run_times tasks', () => {
    const limited = parseScheduleDefinition({ every: 120, start_at: '2026-05-05T10:00:00Z', run_times: 3 });
    expect(occurrencesBetween(limited, d('2026-05-05T09:00:00Z'), d('2026-05-06T00:00:00Z'), 100)).toHaveLength(3);
    expect(occurrencesBetween(limited, d('2026-05-05T09:00:00Z'), d('2026-05-06T00:00:00Z'), 100, 2)).toHaveLength(1);
    expect(nextFiring(limited, d('2026-05-05T10:02:00Z'), 2)?.toISOString()).toBe('2026-05-05T10:04:00.000Z');
    expect(nextFiring(limited, d('2026-05-05T10:02:00Z'), 3)).toBeNull();
    // Time bounds alone ignore run_times.
    expect(countBetween(limited, d('2026-05-05T09:00:00Z'), d('2026-05-05T11:00:00Z'))).toBe(31);
  });

  it('keeps the anchor exact to the millisecond', () => {
    const odd = parseScheduleDefinition({ every: 90, start_at: '2026-05-05T10:00:00.250Z' });
    expect(isoList(occurrencesBetween(odd, d('2026-05-05T10:00:00.250Z'), d('2026-05-05T10:05:00Z'), 2))).toEqual([
      '2026-05-05T10:01:30.250Z',
      '2026-05-05T10:03:00.250Z',
    ]);
  });

  it('counts and takes the last ones arithmetically', () => {
    const every = parseScheduleDefinition({ every: 60, start_at: '2026-01-01T00:00:00Z' });
    const [from, to] = [d('2026-01-01T00:00:00Z'), d('2027-01-01T00:00:00Z')];
    expect(countBetween(every, from, to)).toBe(365 * 1440);
    expect(isoList(lastBetween(every, from, to, 2))).toEqual(['2026-12-31T23:59:00.000Z', '2027-01-01T00:00:00.000Z']);
    expect(isoList(firstBetween(every, from, to, 1))).toEqual(['2026-01-01T00:01:00.000Z']);
  });
});

describe('cron schedules with bounds', () => {
  it('fires nothing before start_at or after end_at', () => {
    const def = parseScheduleDefinition({
      cron: '0 9 * * *',
      timezone: 'Europe/Berlin',
      start_at: '2026-05-05T07:00:00Z',
      end_at: '2026-05-07T07:00:00Z',
    });
    expect(isoList(occurrencesBetween(def, d('2026-05-01T00:00:00Z'), d('2026-06-01T00:00:00Z'), 100))).toEqual([
      '2026-05-05T07:00:00.000Z',
      '2026-05-06T07:00:00.000Z',
      '2026-05-07T07:00:00.000Z',
    ]);
    expect(countBetween(def, d('2026-05-01T00:00:00Z'), d('2026-06-01T00:00:00Z'))).toBe(3);
    expect(isoList(lastBetween(def, d('2026-05-01T00:00:00Z'), d('2026-06-01T00:00:00Z'), 2))).toEqual([
      '2026-05-06T07:00:00.000Z',
      '2026-05-07T07:00:00.000Z',
    ]);
    expect(nextFiring(def, d('2026-05-07T07:00:00Z'))).toBeNull();
  });
});

describe('one-off schedules', () => {
  const def = parseScheduleDefinition({ at: '2026-05-05T10:00:00Z' });

  it('fires once at its time and never again', () => {
    expect(nextFiring(def, d('2026-05-05T09:00:00Z'))?.toISOString()).toBe('2026-05-05T10:00:00.000Z');
    expect(nextFiring(def, d('2026-05-05T10:00:00Z'))).toBeNull();
    expect(countBetween(def, d('2026-05-05T09:59:59Z'), d('2026-05-05T10:00:00Z'))).toBe(1);
    expect(countBetween(def, d('2026-05-05T10:00:00Z'), d('2026-05-05T11:00:00Z'))).toBe(0);
  });

  it('does not fire when its time lies outside end_at', () => {
    const late = parseScheduleDefinition({ at: '2026-05-05T10:00:00Z', end_at: '2026-05-05T09:00:00Z' });
    expect(nextFiring(late, d('2026-05-01T00:00:00Z'))).toBeNull();
  });
});
