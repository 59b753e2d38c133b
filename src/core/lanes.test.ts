import { describe, expect, it } from 'vitest';
import { Lanes } from './lanes.ts';

describe('Lanes', () => {
  it('never runs more than the limit at once and runs everything', async () => {
    const lanes = new Lanes(2);
    let running = 0;
    let most = 0;
    const done: number[] = [];
    await Promise.all([1, 2, 3, 4, 5].map((n) => lanes.run(async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      done.push(n);
    })));
    expect(most).toBe(2);
    expect(done.sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it('frees the lane when work fails', async () => {
    const lanes = new Lanes(1);
    await expect(lanes.run(async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    await expect(lanes.run(async () => 'next')).resolves.toBe('next');
  });
});
