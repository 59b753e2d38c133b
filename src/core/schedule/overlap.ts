/**
 * The overlap decision for one firing: what to do given the schedule's policy and the state of the
 * task its previous firing created. Pure; the caller looks the previous task up and acts on the answer.
 *
 *   decideOverlap('skip', { taskId: 't1', status: 'running' })
 *   // { action: 'skip', reason: 'the previous task t1 of this schedule is still running' }
 *
 * A previous task that is finished (or absent) never overlaps, so every policy fires.
 */
import { isFinished, type TaskStatus } from '../task-status.ts';
import type { OverlapPolicy } from './definition.ts';

export interface PreviousTask {
  status: TaskStatus;
  taskId?: string;
}

export type OverlapDecision =
  | { action: 'fire' }
  | { action: 'skip'; reason: string }
  /** Fire, and cancel the previous task (its id when the caller gave it). */
  | { action: 'fire-and-cancel'; cancelTaskId?: string };

export function decideOverlap(policy: OverlapPolicy, previous: PreviousTask | undefined): OverlapDecision {
  if (previous === undefined || isFinished(previous.status)) return { action: 'fire' };
  switch (policy) {
    case 'allow':
      return { action: 'fire' };
    case 'skip': {
      const task = previous.taskId === undefined ? 'the previous task' : `the previous task ${previous.taskId}`;
      return { action: 'skip', reason: `${task} of this schedule is still ${previous.status}` };
    }
    case 'cancel-previous':
      return previous.taskId === undefined
        ? { action: 'fire-and-cancel' }
        : { action: 'fire-and-cancel', cancelTaskId: previous.taskId };
  }
}
