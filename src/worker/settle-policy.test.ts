import { describe, expect, it } from 'vitest';
import { afterAttempt, attemptHeader, engineRequeuesIn, failuresIn, stackMissesIn, type AfterAttemptInput } from './settle-policy.ts';

const base: AfterAttemptInput = { status: 'complete', attempt: 1, nodeId: 'a', failuresBefore: 0, retries: 2, retriesDelaySeconds: 10, random: () => 0 };

describe('after an attempt', () => {
  it('finishes a task that completed, timed out or was cancelled by a user', () => {
    expect(afterAttempt(base)).toEqual({ kind: 'finish', status: 'complete' });
    expect(afterAttempt({ ...base, status: 'timeout' })).toEqual({ kind: 'finish', status: 'timeout' });
    expect(afterAttempt({ ...base, status: 'cancelled', stopReason: 'cancel' })).toEqual({ kind: 'finish', status: 'cancelled' });
  });

  it('retries a failed attempt after a back-off that doubles, while retries remain', () => {
    const first = afterAttempt({ ...base, status: 'error', msg: 'exited with code 3' });
    expect(first).toEqual({ kind: 'requeue', ending: 'error', delayMs: 5000, keepRank: false, msg: 'attempt 1 failed (exited with code 3); retry 1 of 2 in 5.0 s' });
    const second = afterAttempt({ ...base, status: 'error', attempt: 2, failuresBefore: 1 });
    expect(second).toMatchObject({ kind: 'requeue', delayMs: 10_000 });
    expect(afterAttempt({ ...base, status: 'error', attempt: 3, failuresBefore: 2 })).toEqual({ kind: 'finish', status: 'error' });
  });

  it('does not retry when the task has no retries', () => {
    expect(afterAttempt({ ...base, status: 'error', retries: 0 })).toEqual({ kind: 'finish', status: 'error' });
  });

  it('queues a drained or revoked attempt again at the front, without using a retry', () => {
    expect(afterAttempt({ ...base, status: 'cancelled', stopReason: 'drain', retries: 0 })).toMatchObject({ kind: 'requeue', ending: 'drained', delayMs: 0, keepRank: true });
    expect(afterAttempt({ ...base, status: 'cancelled', stopReason: 'revoked', retries: 0 })).toMatchObject({ kind: 'requeue', ending: 'revoked', keepRank: true });
  });

  it('queues an attempt whose stack image the node lacks again after a growing delay, without using a retry', () => {
    expect(afterAttempt({ ...base, status: 'error', retries: 0, missingStack: 'python-3.11' })).toEqual({
      kind: 'requeue',
      ending: 'stack-missing',
      delayMs: 5000,
      keepRank: true,
      msg: 'node a does not have the image of stack "python-3.11" yet; queued again in 5.0 s (not counted as a retry)',
    });
    expect(afterAttempt({ ...base, status: 'error', missingStack: 'ruby', stackMissesBefore: 2 })).toMatchObject({ delayMs: 20_000 });
    expect(afterAttempt({ ...base, status: 'error', missingStack: 'ruby', stackMissesBefore: 9 })).toMatchObject({ delayMs: 60_000 });
    expect(stackMissesIn([{ attempt: 1, status: 'stack-missing' }, { attempt: 2, status: 'error' }, { attempt: 3, status: 'stack-missing' }, { attempt: 4, status: 'stack-missing' }])).toBe(2);
    expect(failuresIn([{ attempt: 1, status: 'stack-missing' }])).toBe(0);
  });

  it('queues an attempt the engine failed (dockerd restarting) again after 2 s, without using a retry', () => {
    const next = afterAttempt({ ...base, status: 'error', retries: 0, engineUnavailable: true, msg: 'socket hang up' });
    expect(next).toEqual({
      kind: 'requeue',
      ending: 'engine-unavailable',
      delayMs: 2000,
      keepRank: true,
      msg: 'the Docker engine of node a did not answer during attempt 1 (socket hang up); queued again in 2.0 s, not counted as a retry',
    });
    // Even with every retry used up, and the ending is not counted as a failure afterwards.
    expect(afterAttempt({ ...base, status: 'error', retries: 1, failuresBefore: 1, engineUnavailable: true })).toMatchObject({ kind: 'requeue', ending: 'engine-unavailable' });
    expect(failuresIn([{ attempt: 1, status: 'engine-unavailable' }, { attempt: 2, status: 'engine-unavailable' }])).toBe(0);
  });

  it('counts a failure as the task\'s own after five engine-unavailable requeues, so a task cannot loop', () => {
    const history = [1, 2, 3, 4, 5].map((attempt) => ({ attempt, status: 'engine-unavailable' as const }));
    expect(engineRequeuesIn(history)).toBe(5);
    expect(afterAttempt({ ...base, status: 'error', retries: 0, engineUnavailable: true, engineRequeuesBefore: 4 })).toMatchObject({ ending: 'engine-unavailable' });
    expect(afterAttempt({ ...base, status: 'error', retries: 0, engineUnavailable: true, engineRequeuesBefore: 5 })).toEqual({ kind: 'finish', status: 'error' });
  });

  it('keeps a completed, timed-out or user-cancelled attempt final even when the engine went away after', () => {
    expect(afterAttempt({ ...base, status: 'complete', engineUnavailable: true })).toEqual({ kind: 'finish', status: 'complete' });
    expect(afterAttempt({ ...base, status: 'timeout', engineUnavailable: true })).toEqual({ kind: 'finish', status: 'timeout' });
    expect(afterAttempt({ ...base, status: 'cancelled', stopReason: 'cancel', engineUnavailable: true })).toEqual({ kind: 'finish', status: 'cancelled' });
  });

  it('keeps the real outcome of a task that ended on its own just as its node began to drain', () => {
    expect(afterAttempt({ ...base, status: 'complete', stopReason: 'drain' })).toEqual({ kind: 'finish', status: 'complete' });
  });

  it('counts failures from the attempt history and writes a header per attempt', () => {
    expect(failuresIn([{ attempt: 1, status: 'error' }, { attempt: 2, status: 'drained' }, { attempt: 3, status: 'error' }])).toBe(2);
    expect(failuresIn(undefined)).toBe(0);
    expect(attemptHeader(2, 'node-b', new Date('2026-01-02T03:04:05Z'))).toBe('--- attempt 2 on node node-b at 2026-01-02T03:04:05.000Z ---');
  });
});
