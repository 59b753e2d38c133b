/**
 * The arithmetic of Dockhand's per-token rate limit: fixed windows of `windowSeconds`, aligned to the
 * epoch, each allowing `limit` requests. Counting happens in Redis (one counter per token and window,
 * shared by every API server); this module decides. Pure: the clock and the count are passed in.
 *
 *   const window = rateWindow(Date.now(), 60);                 // { index, endsAtMs }
 *   const decision = rateDecision(count, 6000, window, Date.now());
 *   if (!decision.allowed) reply.header('retry-after', decision.retryAfterSeconds);
 */

export interface RateWindow {
  /** Which window `nowMs` falls in: part of the counter's key. */
  index: number;
  endsAtMs: number;
}

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Whole seconds until the window ends (at least 1): the `Retry-After` of a refused request. */
  retryAfterSeconds: number;
}

export function rateWindow(nowMs: number, windowSeconds: number): RateWindow {
  const windowMs = windowSeconds * 1000;
  const index = Math.floor(nowMs / windowMs);
  return { index, endsAtMs: (index + 1) * windowMs };
}

/** `count` is this request's number in its window, itself included. */
export function rateDecision(count: number, limit: number, window: RateWindow, nowMs: number): RateDecision {
  return {
    allowed: count <= limit,
    limit,
    remaining: Math.max(0, limit - count),
    retryAfterSeconds: Math.max(1, Math.ceil((window.endsAtMs - nowMs) / 1000)),
  };
}
