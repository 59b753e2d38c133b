/**
 * When a finished task, and everything kept per task (log, trace, attempt history), may be forgotten:
 * once it has been finished for DOCKHAND_TASK_RETENTION_DAYS. Pure: the sweep (src/service/maintenance)
 * reads the candidates and the clock and asks these functions.
 *
 *   const cutoff = retentionCutoffMs(Date.now(), settings.DOCKHAND_TASK_RETENTION_DAYS);
 *   if (isTaskExpired(task, cutoff)) ...
 */
import { isFinished, type TaskStatus } from '../task-status.ts';

const DAY_MS = 86_400_000;

/** Anything that finished (or happened, for a schedule's firing) before this instant has expired. */
export function retentionCutoffMs(nowMs: number, retentionDays: number): number {
  return nowMs - retentionDays * DAY_MS;
}

export interface ExpiryFields {
  status: TaskStatus;
  /** When the task last changed: for a finished task, when it finished (finished tasks never change). */
  updated_at: string;
  end_time?: string | undefined;
}

/**
 * A task expires once it finished before the cutoff. Tasks still queued or running never expire,
 * however old: they are work, not history. The finish time is the later of end_time and updated_at,
 * so a task whose record was touched after its container ended is measured from that touch.
 */
export function isTaskExpired(task: ExpiryFields, cutoffMs: number): boolean {
  if (!isFinished(task.status)) return false;
  const finishedMs = Math.max(Date.parse(task.updated_at) || 0, task.end_time ? Date.parse(task.end_time) || 0 : 0);
  // A record with no readable time is kept: deleting it on a parse error would be a silent loss.
  return finishedMs > 0 && finishedMs < cutoffMs;
}
