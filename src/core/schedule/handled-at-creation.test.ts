import { describe, expect, it } from 'vitest';
import type { EverySchedule } from './definition.ts';
import { handledAtCreation } from './handled-at-creation.ts';
import { nextFiring } from './occurrences.ts';

const now = new Date('2026-03-01T12:00:00.000Z');
const every = (startAt: Date): EverySchedule => ({ kind: 'every', runEverySeconds: 60, startAt, overlap: 'allow', missed: { kind: 'skip' } });
const toleranceMs = 30_000;

describe('where a new schedule starts counting occurrences as handled', () => {
  it('leaves an occurrence at a start_at a few ms before creation due, so it fires at once', () => {
    const startAt = new Date(now.getTime() - 15);
    const handled = handledAtCreation(every(startAt), { now, declaredStartAt: startAt, toleranceMs });
    expect(handled).toEqual(new Date(startAt.getTime() - 1));
    expect(nextFiring(every(startAt), handled!)).toEqual(startAt);
  });

  it('leaves due the occurrences of an older start_at that are still within the tolerance', () => {
    const startAt = new Date(now.getTime() - 10 * 60_000 - 10_000);
    const handled = handledAtCreation(every(startAt), { now, declaredStartAt: startAt, toleranceMs });
    expect(nextFiring(every(startAt), handled!)).toEqual(new Date(now.getTime() - 10_000));
  });

  it('does not make older occurrences missed runs: they were never the schedule\'s', () => {
    const startAt = new Date(now.getTime() - 10 * 60_000 - 45_000);
    const handled = handledAtCreation(every(startAt), { now, declaredStartAt: startAt, toleranceMs });
    expect(nextFiring(every(startAt), handled!)).toEqual(new Date(now.getTime() + 15_000));
  });

  it('starts at the creation instant without a start_at, and not at all for a one-off', () => {
    expect(handledAtCreation(every(now), { now, declaredStartAt: undefined, toleranceMs })).toEqual(new Date(now.getTime() - 1));
    const once = { kind: 'once' as const, at: now, overlap: 'allow' as const, missed: { kind: 'skip' as const } };
    expect(handledAtCreation(once, { now, declaredStartAt: now, toleranceMs })).toBeUndefined();
  });

  it('changes nothing for a start_at in the future', () => {
    const startAt = new Date(now.getTime() + 5000);
    const handled = handledAtCreation(every(startAt), { now, declaredStartAt: startAt, toleranceMs });
    expect(handled).toEqual(new Date(now.getTime() - 1));
    expect(nextFiring(every(startAt), handled!)).toEqual(startAt);
  });
});
