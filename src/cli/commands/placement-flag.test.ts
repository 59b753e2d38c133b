import { describe, expect, it } from 'vitest';
import { parsePlacement } from './roles.ts';

describe('worker --placement', () => {
  it('sets the strategy of every cluster, or of one cluster with CLUSTER=STRATEGY', () => {
    expect(parsePlacement([])).toEqual({ placement: {} });
    expect(parsePlacement(['binpack'])).toEqual({ defaultPlacement: 'binpack', placement: {} });
    expect(parsePlacement(['gpu=binpack', 'default=spread'])).toEqual({ placement: { gpu: 'binpack', default: 'spread' } });
  });

  it('refuses a strategy it does not know', () => {
    expect(() => parsePlacement(['pack'])).toThrow(/spread or binpack/);
    expect(() => parsePlacement(['gpu=random'])).toThrow(/spread or binpack/);
  });
});
