import { describe, expect, it } from 'vitest';
import { planWarm, warmTargets, type WarmClassView, type WarmLimits } from './warm-policy.ts';

const limits: WarmLimits = { max: 4, idleMs: 60_000, windowMs: 10_000 };
const now = 1_000_000;

function view(key: string, ready: number, demandAgoMs: number[], starting = 0): WarmClassView {
  return { key, ready, starting, demandAt: demandAgoMs.map((ago) => now - ago) };
}

describe('warmTargets', () => {
  it('keeps one container for a class asked for once recently, and grows with demand in the window', () => {
    expect(warmTargets([view('a', 0, [5_000])], limits, now).get('a')).toBe(1);
    expect(warmTargets([view('a', 0, [100, 200, 300])], limits, now).get('a')).toBe(3);
  });

  it('shrinks a class to zero once it has not been asked for within the idle time', () => {
    expect(warmTargets([view('a', 2, [61_000])], limits, now).get('a')).toBe(0);
  });

  it('never grants more than the node bound over all classes, most recently asked-for first', () => {
    const targets = warmTargets([view('old', 0, [30_000, 20_000]), view('new', 0, [10, 20, 30])], { ...limits, max: 4 }, now);
    expect(targets.get('new')).toBe(3);
    expect(targets.get('old')).toBe(1);
  });

  it('wants nothing when the pool is off', () => {
    expect(warmTargets([view('a', 0, [10])], { ...limits, max: 0 }, now).get('a')).toBe(0);
  });
});

describe('planWarm', () => {
  it('starts what a class lacks, counting containers already starting', () => {
    expect(planWarm([view('a', 0, [1, 2, 3], 1)], limits, now)).toEqual([{ key: 'a', start: 2, retire: 0 }]);
  });

  it('retires only ready containers of an idle class, never one still starting', () => {
    expect(planWarm([view('a', 2, [70_000], 1)], limits, now)).toEqual([{ key: 'a', start: 0, retire: 2 }]);
  });

  it('retires the idle class before starting for the busy one, staying within the bound', () => {
    const steps = planWarm([view('idle', 3, [90_000]), view('busy', 1, [1, 2, 3, 4])], { ...limits, max: 4 }, now);
    expect(steps).toEqual([{ key: 'idle', start: 0, retire: 3 }, { key: 'busy', start: 3, retire: 0 }]);
  });

  it('does nothing when every class has what it wants', () => {
    expect(planWarm([view('a', 1, [10])], limits, now)).toEqual([]);
  });
});
