import { describe, expect, it } from 'vitest';
import { rateDecision, rateWindow } from './rate-window.ts';

describe('rateWindow', () => {
  it('puts instants of one aligned window in the same window and the next instant in the next', () => {
    expect(rateWindow(120_000, 60)).toEqual({ index: 2, endsAtMs: 180_000 });
    expect(rateWindow(179_999, 60)).toEqual({ index: 2, endsAtMs: 180_000 });
    expect(rateWindow(180_000, 60)).toEqual({ index: 3, endsAtMs: 240_000 });
  });
});

describe('rateDecision', () => {
  const window = rateWindow(120_000, 60);

  it('allows requests up to the limit and counts down what remains', () => {
    expect(rateDecision(1, 3, window, 120_000)).toMatchObject({ allowed: true, remaining: 2 });
    expect(rateDecision(3, 3, window, 120_000)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('refuses the request past the limit and says to retry when the window ends', () => {
    expect(rateDecision(4, 3, window, 150_500)).toEqual({ allowed: false, limit: 3, remaining: 0, retryAfterSeconds: 30 });
  });

  it('never asks a client to retry in less than a second', () => {
    expect(rateDecision(4, 3, window, 179_999).retryAfterSeconds).toBe(1);
  });
});
