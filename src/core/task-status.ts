/**
 * The task lifecycle as a closed table: the one source of the status rules. The store's Lua scripts
 * do not restate them: they load this table (store/redis/task-lifecycle-lua.ts writes it out as Lua
 * when the scripts are registered) and every script that writes a task's `status` checks it there,
 * in the same atomic step. A finished task never changes again.
 *
 *   queued -> preparing -> running -> complete | error | timeout | cancelled
 */
export const TASK_STATUSES = ['queued', 'preparing', 'running', 'complete', 'error', 'cancelled', 'timeout'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const FINISHED_STATUSES = ['complete', 'error', 'cancelled', 'timeout'] as const;
export type FinishedStatus = (typeof FINISHED_STATUSES)[number];

/** The statuses of a task on an attempt: a node holds it (and a lease of its package). */
export const ATTEMPT_STATUSES = ['preparing', 'running'] as const;
export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number];

/** For each status, the statuses a task in it may be written with next. */
export const TASK_TRANSITIONS: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  // queued -> queued: a retry attempt or a drained task goes back to the queue.
  queued: ['queued', 'preparing', 'cancelled', 'error'],
  // preparing -> preparing, running -> running: a change within the status (progress, the container).
  preparing: ['queued', 'preparing', 'running', 'complete', 'error', 'cancelled', 'timeout'],
  running: ['queued', 'running', 'complete', 'error', 'cancelled', 'timeout'],
  complete: [],
  error: [],
  cancelled: [],
  timeout: [],
};

export function isFinished(status: TaskStatus): status is FinishedStatus {
  return (FINISHED_STATUSES as readonly string[]).includes(status);
}

export function canTransition(from: TaskStatus, to: TaskStatus): boolean {
  return TASK_TRANSITIONS[from].includes(to);
}
