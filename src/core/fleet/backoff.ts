/**
 * Retries of failed tasks: whether an attempt that ended is tried again, and after how long. Only a
 * failure of the task itself (`error`: a non-zero exit, an out-of-memory kill) is retried; a cancel,
 * a timeout or a success never is. The delay doubles with each retry from the package's
 * `retries_delay` and carries "equal jitter" (half fixed, half random), so tasks that failed together
 * do not all come back at the same instant. Pure: the random source is passed in.
 *
 *   retryDelayMs({ retryNumber: 2, baseSeconds: 10, random: Math.random }) // 20 000 ± 10 000 ms
 */
import { LIMITS } from '../limits.ts';
import type { FinishedStatus } from '../task-status.ts';

export interface RetryDelayInput {
  /** 1 for the first retry. */
  retryNumber: number;
  baseSeconds: number;
  /** A number in [0, 1). */
  random: () => number;
  /** The longest a retry waits; defaults to the longest delay a task may have. */
  capMs?: number;
}

export function retryDelayMs(input: RetryDelayInput): number {
  const capMs = input.capMs ?? LIMITS.delayMax * 1000;
  const exponent = Math.max(0, input.retryNumber - 1);
  // 2 ** 40 already passes any cap; stopping there keeps the arithmetic finite.
  const full = Math.min(capMs, input.baseSeconds * 1000 * 2 ** Math.min(exponent, 40));
  const half = full / 2;
  return Math.round(half + input.random() * half);
}

export interface RetryDecisionInput {
  status: FinishedStatus;
  /** Failed attempts so far, this one included. */
  failures: number;
  /** Retries allowed (the task's, else its package's). */
  retries: number;
}

export function shouldRetry(input: RetryDecisionInput): boolean {
  return input.status === 'error' && input.failures <= input.retries;
}
