/**
 * The per-token rate limit, as a Fastify onRequest hook placed after authentication: every request
 * made with a token counts against that token's fixed window in Redis (so all API servers share one
 * count); past DOCKHAND_RATE_LIMIT the answer is 429 with `Retry-After`. Every counted answer carries
 * `X-RateLimit-Limit` and `X-RateLimit-Remaining`. Requests without a token are not counted: they are
 * refused by authentication first.
 *
 *   app.addHook('onRequest', rateLimitHook(new RedisRateCounter(redis, keys), { limit: 6000, windowSeconds: 60 }));
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DhError } from '../core/errors.ts';
import { rateDecision, rateWindow } from '../core/rate-window.ts';
import type { RateCounter } from '../store/ports.ts';

export interface RateLimitOptions {
  /** Requests per window per token; 0 turns the limit off. */
  limit: number;
  windowSeconds: number;
  now?: () => number;
}

export function rateLimitHook(counter: RateCounter, options: RateLimitOptions): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const now = options.now ?? Date.now;
  return async (request, reply) => {
    if (options.limit === 0 || request.tokenHash === undefined) return;
    const nowMs = now();
    const window = rateWindow(nowMs, options.windowSeconds);
    // The counter outlives its window by a little, so a slow clock on another server still finds it.
    const count = await counter.increment(request.tokenHash, window.index, window.endsAtMs - nowMs + 5_000);
    const decision = rateDecision(count, options.limit, window, nowMs);
    reply.header('x-ratelimit-limit', String(decision.limit));
    reply.header('x-ratelimit-remaining', String(decision.remaining));
    if (decision.allowed) return;
    reply.header('retry-after', String(decision.retryAfterSeconds));
    throw new DhError(
      'DH_ERR_RATE_LIMITED',
      `Too many requests with this token: the limit is ${decision.limit} per ${options.windowSeconds} s (DOCKHAND_RATE_LIMIT); retry in ${decision.retryAfterSeconds} s, or queue tasks in batches.`,
      { limit: decision.limit, window_seconds: options.windowSeconds, retry_after: decision.retryAfterSeconds },
    );
  };
}
