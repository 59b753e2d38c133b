/**
 * Request counters for the per-token rate limit: one Redis integer per token and window, incremented
 * and given an expiry in one MULTI, so counters of past windows disappear on their own.
 *
 *   const count = await counter.increment(tokenHash, window.index, 120_000);
 */
import type { Redis } from 'ioredis';
import type { RateCounter } from '../ports.ts';
import type { Keys } from './keys.ts';

export class RedisRateCounter implements RateCounter {
  constructor(private readonly redis: Redis, private readonly keys: Keys) {}

  async increment(subject: string, windowIndex: number, ttlMs: number): Promise<number> {
    const key = this.keys.rateWindow(subject, windowIndex);
    const replies = await this.redis.multi().incr(key).pexpire(key, ttlMs).exec();
    const [error, count] = replies?.[0] ?? [new Error('no reply'), 0];
    if (error) throw error;
    return Number(count);
  }
}
