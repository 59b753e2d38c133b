import { describe, expect, it } from 'vitest';
import { retryDelayMs, shouldRetry } from './backoff.ts';

describe('retry back-off', () => {
  it('doubles the delay with each retry', () => {
    const fixed = (retryNumber: number): number => retryDelayMs({ retryNumber, baseSeconds: 10, random: () => 1 - Number.EPSILON });
    expect(fixed(1)).toBe(10_000);
    expect(fixed(2)).toBe(20_000);
    expect(fixed(3)).toBe(40_000);
  });

  it('keeps half of the delay fixed and jitters the other half', () => {
    expect(retryDelayMs({ retryNumber: 1, baseSeconds: 10, random: () => 0 })).toBe(5_000);
    expect(retryDelayMs({ retryNumber: 1, baseSeconds: 10, random: () => 0.5 })).toBe(7_500);
    expect(retryDelayMs({ retryNumber: 3, baseSeconds: 10, random: () => 0.25 })).toBe(25_000);
  });

  it('spreads tasks that failed together over the jitter window', () => {
    let seed = 7;
    const random = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const delays = Array.from({ length: 50 }, () => retryDelayMs({ retryNumber: 2, baseSeconds: 1, random }));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(1000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(2000);
    expect(new Set(delays).size).toBeGreaterThan(40);
  });

  it('never waits longer than the cap, however many retries', () => {
    expect(retryDelayMs({ retryNumber: 60, baseSeconds: 3600, random: () => 0.999, capMs: 86_400_000 })).toBeLessThanOrEqual(86_400_000);
    expect(retryDelayMs({ retryNumber: 10, baseSeconds: 60, random: () => 0 })).toBe(15_360_000);
  });

  it('retries with no delay when retries_delay is 0', () => {
    expect(retryDelayMs({ retryNumber: 3, baseSeconds: 0, random: () => 0.7 })).toBe(0);
  });

  it('retries only errors, and only as many times as allowed', () => {
    expect(shouldRetry({ status: 'error', failures: 1, retries: 2 })).toBe(true);
    expect(shouldRetry({ status: 'error', failures: 2, retries: 2 })).toBe(true);
    expect(shouldRetry({ status: 'error', failures: 3, retries: 2 })).toBe(false);
    expect(shouldRetry({ status: 'error', failures: 1, retries: 0 })).toBe(false);
    for (const status of ['complete', 'cancelled', 'timeout'] as const) expect(shouldRetry({ status, failures: 1, retries: 5 })).toBe(false);
  });
});
