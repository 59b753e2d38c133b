import { describe, expect, it } from 'vitest';
import { FINISHED_STATUSES } from '../task-status.ts';
import { OVERLAP_POLICIES } from './definition.ts';
import { decideOverlap } from './overlap.ts';

describe('decideOverlap', () => {
  it.each(OVERLAP_POLICIES)('fires under %s when there is no previous task', (policy) => {
    expect(decideOverlap(policy, undefined)).toEqual({ action: 'fire' });
  });

  it.each(OVERLAP_POLICIES.flatMap((p) => FINISHED_STATUSES.map((s) => [p, s] as const)))(
    'fires under %s when the previous task is %s',
    (policy, status) => {
      expect(decideOverlap(policy, { taskId: 't1', status })).toEqual({ action: 'fire' });
    },
  );

  it('fires under allow while the previous task still runs', () => {
    expect(decideOverlap('allow', { taskId: 't1', status: 'running' })).toEqual({ action: 'fire' });
  });

  it.each(['queued', 'preparing', 'running'] as const)('skips under skip while the previous task is %s, saying why', (status) => {
    expect(decideOverlap('skip', { taskId: 't1', status })).toEqual({
      action: 'skip',
      reason: `the previous task t1 of this schedule is still ${status}`,
    });
  });

  it('skips with a reason even when the previous task id is unknown', () => {
    expect(decideOverlap('skip', { status: 'queued' })).toEqual({
      action: 'skip',
      reason: 'the previous task of this schedule is still queued',
    });
  });

  it('fires and names the task to cancel under cancel-previous', () => {
    expect(decideOverlap('cancel-previous', { taskId: 't9', status: 'running' })).toEqual({
      action: 'fire-and-cancel',
      cancelTaskId: 't9',
    });
    expect(decideOverlap('cancel-previous', { status: 'preparing' })).toEqual({ action: 'fire-and-cancel' });
  });
});
