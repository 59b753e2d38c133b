import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import type { RateCounter } from '../store/ports.ts';
import { sendNativeError } from './errors.ts';
import { rateLimitHook } from './rate-limit.ts';

/** Counts in memory, keyed like the Redis adapter: subject and window. */
class MemoryCounter implements RateCounter {
  readonly counts = new Map<string, number>();
  async increment(subject: string, windowIndex: number): Promise<number> {
    const key = `${subject}:${windowIndex}`;
    const next = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, next);
    return next;
  }
}

async function appWith(counter: RateCounter, limit: number, now: () => number) {
  const app = Fastify();
  app.setErrorHandler((err, request, reply) => sendNativeError(err, request, reply));
  app.addHook('onRequest', async (request) => {
    const token = request.headers['x-token'];
    if (typeof token === 'string') request.tokenHash = token;
  });
  app.addHook('onRequest', rateLimitHook(counter, { limit, windowSeconds: 60, now }));
  app.get('/thing', async () => ({ ok: true }));
  await app.ready();
  return app;
}

describe('rateLimitHook', () => {
  it('lets a token make `limit` requests per window, then answers 429 with Retry-After in the native shape', async () => {
    let now = 120_000;
    const app = await appWith(new MemoryCounter(), 2, () => now);
    const hit = () => app.inject({ method: 'GET', url: '/thing', headers: { 'x-token': 'a' } });
    expect((await hit()).headers['x-ratelimit-remaining']).toBe('1');
    expect((await hit()).statusCode).toBe(200);
    now = 150_000;
    const refused = await hit();
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('30');
    expect(JSON.parse(refused.body)).toEqual({
      error: {
        code: 'DH_ERR_RATE_LIMITED',
        message: 'Too many requests with this token: the limit is 2 per 60 s (DOCKHAND_RATE_LIMIT); retry in 30 s, or queue tasks in batches.',
        details: { limit: 2, window_seconds: 60, retry_after: 30 },
      },
    });
    now = 180_000;
    expect((await hit()).statusCode).toBe(200);
    await app.close();
  });

  it('counts each token on its own and leaves requests without a token alone', async () => {
    const counter = new MemoryCounter();
    const app = await appWith(counter, 1, () => 0);
    expect((await app.inject({ method: 'GET', url: '/thing', headers: { 'x-token': 'a' } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/thing', headers: { 'x-token': 'a' } })).statusCode).toBe(429);
    expect((await app.inject({ method: 'GET', url: '/thing', headers: { 'x-token': 'b' } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/thing' })).statusCode).toBe(200);
    expect([...counter.counts.keys()]).toEqual(['a:0', 'b:0']);
    await app.close();
  });

  it('does nothing when the limit is 0', async () => {
    const counter = new MemoryCounter();
    const app = await appWith(counter, 0, () => 0);
    for (let i = 0; i < 3; i++) expect((await app.inject({ method: 'GET', url: '/thing', headers: { 'x-token': 'a' } })).statusCode).toBe(200);
    expect(counter.counts.size).toBe(0);
    await app.close();
  });
});
