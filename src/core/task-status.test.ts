import { describe, expect, it } from 'vitest';
import { ATTEMPT_STATUSES, FINISHED_STATUSES, TASK_STATUSES, canTransition, isFinished } from './task-status.ts';

describe('the task lifecycle', () => {
  it('never lets a finished task change again', () => {
    for (const from of FINISHED_STATUSES) for (const to of TASK_STATUSES) expect(canTransition(from, to)).toBe(false);
  });

  it('lets an unfinished task be cancelled from any state', () => {
    for (const from of ['queued', 'preparing', 'running'] as const) expect(canTransition(from, 'cancelled')).toBe(true);
  });

  it('only reaches running through preparing', () => {
    expect(canTransition('queued', 'running')).toBe(false);
    expect(canTransition('preparing', 'running')).toBe(true);
  });

  it('lets a task change within an unfinished status (progress), and requeue only from the queue or an attempt', () => {
    for (const status of TASK_STATUSES) expect(canTransition(status, status)).toBe(!isFinished(status));
    expect(TASK_STATUSES.filter((from) => canTransition(from, 'queued'))).toEqual(['queued', ...ATTEMPT_STATUSES]);
  });

  it('knows which statuses are final', () => {
    expect(TASK_STATUSES.filter(isFinished)).toEqual([...FINISHED_STATUSES]);
  });
});
