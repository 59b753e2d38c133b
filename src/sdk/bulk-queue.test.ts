import { describe, expect, it } from 'vitest';
import { BulkQueueError, chunksOf, queueInBatches } from './bulk-queue.ts';

describe('chunksOf', () => {
  it('splits into consecutive chunks of at most the size, the last one shorter', () => {
    expect(chunksOf([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunksOf([], 100)).toEqual([]);
  });

  it('refuses a size that is not a whole number above zero', () => {
    expect(() => chunksOf([1], 0)).toThrow(RangeError);
    expect(() => chunksOf([1], 1.5)).toThrow(RangeError);
  });
});

describe('queueInBatches', () => {
  it('sends requests of at most batchSize, no more than inFlight at once, and keeps the order asked', async () => {
    let inFlight = 0;
    let most = 0;
    const sizes: number[] = [];
    const items = Array.from({ length: 250 }, (_, i) => i);
    const result = await queueInBatches(items, async (chunk) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      sizes.push(chunk.length);
      // Later chunks answer first, so order must come from the chunk index, not arrival.
      await new Promise((resolve) => setTimeout(resolve, 30 - chunk[0]! / 10));
      inFlight -= 1;
      return chunk.map((n) => `t${n}`);
    }, { batchSize: 100, inFlight: 2 });
    expect(result).toEqual(items.map((n) => `t${n}`));
    expect(sizes.sort()).toEqual([100, 100, 50].sort());
    expect(most).toBe(2);
  });

  it('stops sending after a failure and reports what the answered requests queued', async () => {
    const sent: number[] = [];
    const attempt = queueInBatches([1, 2, 3, 4, 5, 6], async (chunk) => {
      sent.push(chunk[0]!);
      if (chunk[0] === 3) throw new Error('payload too large');
      return chunk;
    }, { batchSize: 2, inFlight: 1 });
    const error = await attempt.catch((err: unknown) => err);
    expect(error).toBeInstanceOf(BulkQueueError);
    expect((error as BulkQueueError<number>).queued).toEqual([1, 2]);
    expect((error as Error).message).toContain('Queued 2 task(s) before a request failed: payload too large');
    expect(sent).toEqual([1, 3]);
  });
});
