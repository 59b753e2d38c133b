import { describe, expect, it } from 'vitest';
import { RANK_BAND, queueRank } from './priority.ts';

describe('queue rank', () => {
  it('orders priority 2 before 1 before 0, and arrival order within a priority', () => {
    const tasks = [
      { id: 'p0-first', rank: queueRank(0, 1) },
      { id: 'p1', rank: queueRank(1, 2) },
      { id: 'p2-late', rank: queueRank(2, 5) },
      { id: 'p0-second', rank: queueRank(0, 3) },
      { id: 'p2-early', rank: queueRank(2, 4) },
    ];
    expect(tasks.sort((a, b) => a.rank - b.rank).map((t) => t.id)).toEqual(['p2-early', 'p2-late', 'p1', 'p0-first', 'p0-second']);
  });

  it('stays an exact integer for every rank Redis can hold', () => {
    const highest = queueRank(0, RANK_BAND - 1);
    expect(Number.isSafeInteger(highest)).toBe(true);
    expect(highest + 1).not.toBe(highest);
  });
});
