/**
 * What becomes of a task after one of its attempts ends: finish it, or queue it again. Pure: the
 * random source (for back-off jitter) is passed in.
 *
 * - An attempt stopped by a drain or a lost lease goes back to the front of the queue: it was not
 *   the task's fault, so it does not use up a retry.
 * - An attempt that failed because the node's Docker engine did not answer (dockerd restarting) goes
 *   back to the front of the queue after ENGINE_UNAVAILABLE_DELAY_MS, without using a retry: the
 *   engine, not the task, failed. A task that completed keeps its status.
 * - An attempt that could not start because the node lacks its stack's image (a node that pulls images
 *   from a registry has not pulled it yet) goes back after a delay that doubles with each such attempt
 *   in a row (5 s up to a minute), without using a retry: another node, or this one after its pull, runs
 *   it. Meanwhile the task shows a `wait_reason` when no node has the image (wait-reason.ts).
 * - A failed attempt (`error`) is retried after an exponential back-off with jitter while retries
 *   remain; a cancel or a timeout is final.
 *
 *   afterAttempt({ status: 'error', attempt: 1, nodeId: 'a', failuresBefore: 0, retries: 2, retriesDelaySeconds: 5, random: Math.random })
 *   // { kind: 'requeue', ending: 'error', delayMs: 2500..5000, keepRank: false, msg: 'attempt 1 failed (...); retry 1 of 2 in 4 s' }
 */
import { retryDelayMs, shouldRetry } from '../core/fleet/backoff.ts';
import type { AttemptEnd, TaskAttempt } from '../core/model.ts';
import type { FinishedStatus } from '../core/task-status.ts';
import type { OutsideStopReason } from './stop-reason.ts';

export type AfterAttempt =
  | { kind: 'finish'; status: FinishedStatus }
  | { kind: 'requeue'; ending: Extract<AttemptEnd, 'drained' | 'revoked' | 'engine-unavailable' | 'stack-missing' | 'error'>; delayMs: number; keepRank: boolean; msg: string };

/** How long an attempt stopped by an unreachable engine waits before it is ready again (a dockerd restart takes 1-3 s). */
export const ENGINE_UNAVAILABLE_DELAY_MS = 2000;
/** After this many engine-unavailable requeues of one task, a failure counts as the task's own again (no endless loop). */
export const MAX_ENGINE_REQUEUES = 5;

export interface AfterAttemptInput {
  status: FinishedStatus;
  stopReason?: OutsideStopReason;
  attempt: number;
  nodeId: string;
  /** Failed attempts before this one. */
  failuresBefore: number;
  retries: number;
  retriesDelaySeconds: number;
  random: () => number;
  /** How the attempt ended, in words (the outcome's message). */
  msg?: string;
  /** The node's Docker engine did not answer when the attempt failed (the failure is the engine's). */
  engineUnavailable?: boolean;
  /** Attempts before this one that ended `engine-unavailable`. */
  engineRequeuesBefore?: number;
  /** The stack whose image this node lacked, when that is why the attempt could not start. */
  missingStack?: string;
  /** `stack-missing` attempts right before this one (the back-off grows with them). */
  stackMissesBefore?: number;
}

const STACK_MISSING_FIRST_DELAY_MS = 5_000;
const STACK_MISSING_MAX_DELAY_MS = 60_000;

export function afterAttempt(input: AfterAttemptInput): AfterAttempt {
  // A stop only matters if it is what ended the attempt; a task that exited first keeps its status.
  if (input.status === 'cancelled' && input.stopReason === 'drain') {
    return { kind: 'requeue', ending: 'drained', delayMs: 0, keepRank: true, msg: `node ${input.nodeId} shut down during attempt ${input.attempt}; queued again` };
  }
  if (input.status === 'cancelled' && input.stopReason === 'revoked') {
    return { kind: 'requeue', ending: 'revoked', delayMs: 0, keepRank: true, msg: `node ${input.nodeId} lost its lease during attempt ${input.attempt}; queued again` };
  }
  if (input.missingStack !== undefined) {
    const delayMs = Math.min(STACK_MISSING_MAX_DELAY_MS, STACK_MISSING_FIRST_DELAY_MS * 2 ** (input.stackMissesBefore ?? 0));
    return {
      kind: 'requeue',
      ending: 'stack-missing',
      delayMs,
      keepRank: true,
      msg: `node ${input.nodeId} does not have the image of stack "${input.missingStack}" yet; queued again in ${formatDelay(delayMs)} (not counted as a retry)`,
    };
  }
  if (input.engineUnavailable && input.status === 'error' && (input.engineRequeuesBefore ?? 0) < MAX_ENGINE_REQUEUES) {
    const why = input.msg ? ` (${input.msg})` : '';
    return {
      kind: 'requeue',
      ending: 'engine-unavailable',
      delayMs: ENGINE_UNAVAILABLE_DELAY_MS,
      keepRank: true,
      msg: `the Docker engine of node ${input.nodeId} did not answer during attempt ${input.attempt}${why}; queued again in ${formatDelay(ENGINE_UNAVAILABLE_DELAY_MS)}, not counted as a retry`,
    };
  }
  const failures = input.failuresBefore + 1;
  if (shouldRetry({ status: input.status, failures, retries: input.retries })) {
    const delayMs = retryDelayMs({ retryNumber: failures, baseSeconds: input.retriesDelaySeconds, random: input.random });
    const why = input.msg ? ` (${input.msg})` : '';
    return { kind: 'requeue', ending: 'error', delayMs, keepRank: false, msg: `attempt ${input.attempt} failed${why}; retry ${failures} of ${input.retries} in ${formatDelay(delayMs)}` };
  }
  return { kind: 'finish', status: input.status };
}

/** Failed attempts in a task's history. */
export function failuresIn(history: readonly TaskAttempt[] | undefined): number {
  return (history ?? []).filter((a) => a.status === 'error').length;
}

/** Attempts in a task's history that ended because the node's engine did not answer. */
export function engineRequeuesIn(history: readonly TaskAttempt[] | undefined): number {
  return (history ?? []).filter((a) => a.status === 'engine-unavailable').length;
}

/** `stack-missing` attempts at the end of a task's history, the latest first. */
export function stackMissesIn(history: readonly TaskAttempt[] | undefined): number {
  const attempts = history ?? [];
  let count = 0;
  for (let i = attempts.length - 1; i >= 0 && attempts[i]!.status === 'stack-missing'; i -= 1) count += 1;
  return count;
}

/** The line above each attempt's output in the log, when a task may have more than one attempt. */
export function attemptHeader(attempt: number, nodeId: string, at: Date): string {
  return `--- attempt ${attempt} on node ${nodeId} at ${at.toISOString()} ---`;
}

function formatDelay(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}
