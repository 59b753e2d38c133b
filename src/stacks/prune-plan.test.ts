import { describe, expect, it } from 'vitest';
import { planPrune, type StackImageInfo } from './prune-plan.ts';

const image = (id: string, stack = 'node-20'): StackImageInfo => ({ id, stack, refs: [`dockhand/stack-${stack}:${id}`], size: 10 });

describe('planPrune', () => {
  it('keeps the current image of each stack and removes its older builds', () => {
    const plan = planPrune([image('new'), image('old')], new Set(['new']), new Set());
    expect(plan.keep.map((i) => [i.id, i.reason])).toEqual([['new', 'current']]);
    expect(plan.remove.map((i) => i.id)).toEqual(['old']);
  });

  it('keeps a stale image that a code revision still records', () => {
    const plan = planPrune([image('new'), image('old'), image('older')], new Set(['new']), new Set(['older']));
    expect(plan.keep.map((i) => [i.id, i.reason])).toEqual([['new', 'current'], ['older', 'referenced']]);
    expect(plan.remove.map((i) => i.id)).toEqual(['old']);
  });

  it('removes nothing when every image is current or referenced', () => {
    expect(planPrune([image('a'), image('b', 'shell')], new Set(['a']), new Set(['b'])).remove).toEqual([]);
  });
});
