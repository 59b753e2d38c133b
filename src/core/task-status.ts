/**
 * The task lifecycle as a closed table. Every status change in the store is checked against
 * `canTransition`; a finished task never changes again.
 *
 *   queued -> preparing -> running -> complete | error | timeout | cancelled
 */
export const TASK_STATUSES = ['queued', 'preparing', 'running', 'complete', 'error', 'cancelled', 'timeout'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const FINISHED_STATUSES = ['complete', 'error', 'cancelled', 'timeout'] as const;
export type FinishedStatus = (typeof FINISHED_STATUSES)[number];

const TRANSITIONS: Record<TaskStatus, readonly TaskStatus[]> = {
  // queued -> queued: a retry attempt or a drained task goes back to the queue.
  queued: ['queued', 'preparing', 'cancelled', 'error'],
  preparing: ['queued', 'running', 'complete', 'error', 'cancelled', 'timeout'],
  running: ['queued', 'complete', 'error', 'cancelled', 'timeout'],
  complete: [],
  error: [],
  cancelled: [],
  timeout: [],
};

export function isFinished(status: TaskStatus): status is FinishedStatus {
  return (FINISHED_STATUSES as readonly string[]).includes(status);
}

export function canTransition(from: TaskStatus, to: TaskStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The table itself, for the store's atomic script (which must enforce the same rules). */
export function transitionTable(): Record<TaskStatus, readonly TaskStatus[]> {
  return TRANSITIONS;
}
