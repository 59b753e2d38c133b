import { describe, expect, it } from 'vitest';
import { firingsAfter } from '../cron/next.ts';
import { parseCron } from '../cron/parse.ts';
import { MAX_FIRE_PER_PLAN, MISSED_SAMPLE, planDue, type DuePlan } from './plan.ts';
import { parseScheduleDefinition } from './schema.ts';
import type { ScheduleDefinition } from './definition.ts';

const T = (time: string): Date => new Date(`2026-05-05T${time}Z`);
const times = (dates: Date[]): string[] => dates.map((d) => d.toISOString().slice(11, 19));
const minutely = (missed: string, extra: object = {}): ScheduleDefinition =>
  parseScheduleDefinition({ cron: '* * * * *', missed, ...extra });

function plan(def: ScheduleDefinition, last: string | undefined, now: string, toleranceMs = 30_000, runCount = 0): DuePlan {
  return planDue(def, { ...(last === undefined ? {} : { lastFiredAt: T(last) }), runCount, now: T(now), lateToleranceMs: toleranceMs });
}

describe('planDue on time', () => {
  it('fires an occurrence that is due and points at the next one', () => {
    const p = plan(minutely('skip'), '10:00:00', '10:01:00.500');
    expect(times(p.fire)).toEqual(['10:01:00']);
    expect(p.missed).toEqual([]);
    expect(p.missedCount).toBe(0);
    expect(p.next?.toISOString()).toBe('2026-05-05T10:02:00.000Z');
    expect(p.complete).toBe(false);
    expect(p.lastHandled?.toISOString()).toBe('2026-05-05T10:01:00.000Z');
  });

  it('fires nothing between occurrences and keeps lastHandled', () => {
    const p = plan(minutely('skip'), '10:01:00', '10:01:30');
    expect(p.fire).toEqual([]);
    expect(p.next?.toISOString()).toBe('2026-05-05T10:02:00.000Z');
    expect(p.lastHandled?.toISOString()).toBe('2026-05-05T10:01:00.000Z');
  });

  it('still fires an occurrence that is late by no more than the tolerance, and one exactly at now with none', () => {
    expect(times(plan(minutely('skip'), '10:00:00', '10:01:30', 30_000).fire)).toEqual(['10:01:00']);
    expect(times(plan(minutely('skip'), '10:00:00', '10:01:00', 0).fire)).toEqual(['10:01:00']);
    expect(times(plan(minutely('skip'), '10:00:00', '10:01:30.001', 30_000).missed)).toEqual(['10:01:00']);
  });

  it('never fires an occurrence twice when planned again with lastHandled', () => {
    const first = plan(minutely('catch-up:3'), '10:00:00', '10:10:10');
    const again = planDue(minutely('catch-up:3'), { lastFiredAt: first.lastHandled, runCount: 4, now: T('10:10:10'), lateToleranceMs: 30_000 });
    expect(again.fire).toEqual([]);
    expect(again.missed).toEqual([]);
  });
});

describe('planDue after downtime, per missed-run policy', () => {
  it('skip: records every missed occurrence and fires only the due one', () => {
    const p = plan(minutely('skip'), '10:00:00', '10:10:10');
    expect(times(p.fire)).toEqual(['10:10:00']);
    expect(times(p.missed)).toEqual(['10:01:00', '10:02:00', '10:03:00', '10:04:00', '10:05:00', '10:06:00', '10:07:00', '10:08:00', '10:09:00']);
    expect(p.missedCount).toBe(9);
  });

  it('run-once: lets a due firing stand for the gap', () => {
    const p = plan(minutely('run-once'), '10:00:00', '10:10:10');
    expect(times(p.fire)).toEqual(['10:10:00']);
    expect(p.missedCount).toBe(9);
  });

  it('run-once: fires the most recent missed occurrence when none is due, and records the rest', () => {
    const p = plan(minutely('run-once'), '10:00:00', '10:10:45');
    expect(times(p.fire)).toEqual(['10:10:00']);
    expect(times(p.missed)).toEqual(['10:01:00', '10:02:00', '10:03:00', '10:04:00', '10:05:00', '10:06:00', '10:07:00', '10:08:00', '10:09:00']);
    expect(p.next?.toISOString()).toBe('2026-05-05T10:11:00.000Z');
  });

  it('catch-up:N: fires the N most recent missed occurrences oldest first, and records the earlier ones', () => {
    const p = plan(minutely('catch-up:3'), '10:00:00', '10:10:45');
    expect(times(p.fire)).toEqual(['10:08:00', '10:09:00', '10:10:00']);
    expect(times(p.missed)).toEqual(['10:01:00', '10:02:00', '10:03:00', '10:04:00', '10:05:00', '10:06:00', '10:07:00']);
    expect(p.missedCount).toBe(7);
  });

  it('catch-up:N: adds the due occurrence on top of the N caught up', () => {
    const p = plan(minutely('catch-up:3'), '10:00:00', '10:10:10');
    expect(times(p.fire)).toEqual(['10:07:00', '10:08:00', '10:09:00', '10:10:00']);
    expect(times(p.missed)).toEqual(['10:01:00', '10:02:00', '10:03:00', '10:04:00', '10:05:00', '10:06:00']);
  });

  it('catch-up:N: fires everything when fewer than N were missed', () => {
    const p = plan(minutely('catch-up:50'), '10:00:00', '10:10:10');
    expect(p.fire).toHaveLength(10);
    expect(p.missedCount).toBe(0);
  });

  it('applies the policy to what fell inside a pause when the schedule resumes', () => {
    // Paused right after the 10:00 firing, resumed at 12:00.
    const p = plan(minutely('catch-up:2'), '10:00:00', '12:00:00');
    expect(times(p.fire)).toEqual(['11:58:00', '11:59:00', '12:00:00']);
    expect(p.missedCount).toBe(117);
    expect(times(p.missed.slice(0, 2))).toEqual(['10:01:00', '10:02:00']);
    expect(times(p.missed.slice(-1))).toEqual(['11:57:00']);
  });
});

describe('planDue bounds its work', () => {
  const perSecond = parseScheduleDefinition({ cron: '* * * * * *', timezone: 'Europe/Berlin', missed: 'skip' });

  it('counts a week of missed per-second occurrences exactly but lists only the oldest and newest', () => {
    const started = performance.now();
    const p = planDue(perSecond, {
      lastFiredAt: new Date('2026-05-01T00:00:00Z'),
      runCount: 0,
      now: new Date('2026-05-08T00:00:00Z'),
      lateToleranceMs: 0,
    });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(p.fire.map((d) => d.toISOString())).toEqual(['2026-05-08T00:00:00.000Z']);
    expect(p.missedCount).toBe(7 * 86_400 - 1);
    expect(p.missed).toHaveLength(2 * MISSED_SAMPLE);
    expect(p.missed[0]?.toISOString()).toBe('2026-05-01T00:00:01.000Z');
    expect(p.missed[MISSED_SAMPLE - 1]?.toISOString()).toBe('2026-05-01T00:01:40.000Z');
    expect(p.missed[MISSED_SAMPLE]?.toISOString()).toBe('2026-05-07T23:58:20.000Z');
    expect(p.missed[2 * MISSED_SAMPLE - 1]?.toISOString()).toBe('2026-05-07T23:59:59.000Z');
  });

  it('catches up at most N of a week of per-second occurrences', () => {
    const def = { ...perSecond, missed: { kind: 'catch-up', max: 1000 } } as const;
    const p = planDue(def, {
      lastFiredAt: new Date('2026-05-01T00:00:00Z'),
      runCount: 0,
      now: new Date('2026-05-08T00:00:00.500Z'),
      lateToleranceMs: 0,
    });
    expect(p.fire).toHaveLength(1000);
    expect(p.fire[0]?.toISOString()).toBe('2026-05-07T23:43:21.000Z');
    expect(p.fire[999]?.toISOString()).toBe('2026-05-08T00:00:00.000Z');
    expect(p.missedCount).toBe(7 * 86_400 - 1000);
  });

  it('fires at most MAX_FIRE_PER_PLAN due occurrences and records the older due ones as missed', () => {
    const p = planDue(perSecond, {
      lastFiredAt: new Date('2026-05-05T08:00:00Z'),
      runCount: 0,
      now: new Date('2026-05-05T10:00:00Z'),
      lateToleranceMs: 2 * 3_600_000,
    });
    expect(p.fire).toHaveLength(MAX_FIRE_PER_PLAN);
    expect(p.fire[0]?.toISOString()).toBe('2026-05-05T09:43:21.000Z');
    expect(p.missedCount).toBe(7200 - MAX_FIRE_PER_PLAN);
  });
});

describe('planDue and the end of a schedule', () => {
  it('fires no more than run_times allows, keeping the oldest, and completes', () => {
    const p = plan(minutely('catch-up:5', { run_times: 3 }), '10:00:00', '10:10:45', 30_000, 2);
    expect(times(p.fire)).toEqual(['10:06:00']);
    expect(p.complete).toBe(true);
    expect(p.next).toBeNull();
    expect(p.lastHandled?.toISOString()).toBe('2026-05-05T10:06:00.000Z');
  });

  it('completes at once when run_times is already spent', () => {
    const p = plan(minutely('skip', { run_times: 3 }), '10:00:00', '10:10:45', 30_000, 3);
    expect(p).toEqual({ fire: [], missed: [], missedCount: 0, next: null, complete: true, lastHandled: T('10:00:00') });
  });

  it('counts nothing after end_at and completes once it passed', () => {
    const def = parseScheduleDefinition({ every: 60, start_at: '2026-05-05T10:00:00Z', end_at: '2026-05-05T10:05:00Z' });
    const p = plan(def, '10:00:00', '10:10:00');
    expect(p.fire).toEqual([]);
    expect(times(p.missed)).toEqual(['10:01:00', '10:02:00', '10:03:00', '10:04:00', '10:05:00']);
    expect(p.complete).toBe(true);
    expect(p.next).toBeNull();
  });

  it('handles every per-second occurrence up to and including end_at once, and completes no earlier, however the ticks fall', () => {
    const def = parseScheduleDefinition({ cron: '* * * * * *', end_at: '2026-05-05T10:00:10Z' });
    const endAt = T('10:00:10').getTime();
    // Ticks on time, a millisecond early or late around end_at, and ones far apart (a loaded machine).
    for (const offsets of [[0, 1], [999, 1], [1, 999, 1000, 1001], [2500, 7], [3, 1]]) {
      let last: Date | undefined = T('10:00:00');
      let runCount = 0;
      const handled: number[] = [];
      // From two seconds before end_at (the occurrences before fire as due in the first tick).
      let now = T('10:00:08').getTime();
      for (let i = 0; ; i++) {
        now += offsets[i % offsets.length]!;
        const p = planDue(def, { ...(last ? { lastFiredAt: last } : {}), runCount, now: new Date(now), lateToleranceMs: 30_000 });
        handled.push(...p.fire.map((d) => d.getTime()), ...p.missed.map((d) => d.getTime()));
        runCount += p.fire.length;
        last = p.lastHandled;
        expect(p.complete).toBe(now >= endAt);
        if (p.complete) break;
        expect(p.next?.getTime()).toBeGreaterThan(now);
      }
      expect(handled).toEqual(Array.from({ length: 10 }, (_, k) => T('10:00:01').getTime() + k * 1000));
    }
  });

  it('fires a one-off at its time and completes', () => {
    const p = plan(parseScheduleDefinition({ at: '2026-05-05T10:00:00Z' }), undefined, '10:00:05');
    expect(times(p.fire)).toEqual(['10:00:00']);
    expect(p.complete).toBe(true);
  });

  it('waits for a one-off still to come', () => {
    const p = plan(parseScheduleDefinition({ at: '2026-05-05T10:00:00Z' }), undefined, '09:00:00');
    expect(p.fire).toEqual([]);
    expect(p.next?.toISOString()).toBe('2026-05-05T10:00:00.000Z');
    expect(p.complete).toBe(false);
  });

  it('records a one-off missed during downtime, or runs it once, by policy', () => {
    const skipped = plan(parseScheduleDefinition({ at: '2026-05-05T10:00:00Z', missed: 'skip' }), undefined, '11:00:00');
    expect(times(skipped.missed)).toEqual(['10:00:00']);
    expect(skipped.fire).toEqual([]);
    expect(skipped.complete).toBe(true);
    const ranOnce = plan(parseScheduleDefinition({ at: '2026-05-05T10:00:00Z', missed: 'run-once' }), undefined, '11:00:00');
    expect(times(ranOnce.fire)).toEqual(['10:00:00']);
  });
});

describe('planDue for a schedule never planned before', () => {
  it('gives a cron schedule without start_at no past: only the due window counts', () => {
    const p = plan(minutely('catch-up:5'), undefined, '10:10:10');
    expect(times(p.fire)).toEqual(['10:10:00']);
    expect(p.missedCount).toBe(0);
  });

  it('starts an every-N schedule past at its start_at, applying the missed-run policy', () => {
    const def = parseScheduleDefinition({ every: 60, start_at: '2026-05-05T10:00:00Z' });
    const p = plan(def, undefined, '10:03:10');
    expect(times(p.fire)).toEqual(['10:03:00']);
    expect(times(p.missed)).toEqual(['10:00:00', '10:01:00', '10:02:00']);
  });
});

describe('planDue ticking through daylight-saving changes', () => {
  it.each([
    ['30 2 * * *', 'Europe/Berlin', '2026-03-28T20:00:00Z', '2026-03-30T06:00:00Z'],
    ['0 * * * *', 'Europe/Berlin', '2026-03-28T20:00:00Z', '2026-03-29T06:00:00Z'],
    ['30 2 * * *', 'Europe/Berlin', '2026-10-24T20:00:00Z', '2026-10-26T06:00:00Z'],
    ['*/20 * * * *', 'Europe/Berlin', '2026-10-24T22:00:00Z', '2026-10-25T04:00:00Z'],
    ['30 1 * * *', 'America/New_York', '2026-10-31T20:00:00Z', '2026-11-02T12:00:00Z'],
    ['0 * * * *', 'America/New_York', '2026-03-08T02:00:00Z', '2026-03-08T12:00:00Z'],
  ])('fires %s in %s exactly once per occurrence, on a 20-second tick', (cron, timezone, from, to) => {
    const def = parseScheduleDefinition({ cron, timezone, missed: 'skip' });
    const fired: string[] = [];
    let lastFiredAt: Date | undefined = new Date(from);
    let runCount = 0;
    for (let now = Date.parse(from) + 20_000; now <= Date.parse(to); now += 20_000) {
      const p = planDue(def, { ...(lastFiredAt ? { lastFiredAt } : {}), runCount, now: new Date(now), lateToleranceMs: 60_000 });
      expect(p.missedCount).toBe(0);
      fired.push(...p.fire.map((d) => d.toISOString()));
      runCount += p.fire.length;
      lastFiredAt = p.lastHandled;
    }
    const expected = [...firingsAfter(parseCron(cron), timezone, Date.parse(from), Date.parse(to))].map((ms) => new Date(ms).toISOString());
    expect(expected.length).toBeGreaterThan(0);
    expect(fired).toEqual(expected);
  });
});
