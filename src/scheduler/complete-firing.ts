/**
 * The second half of a firing: queue the task a claim decided on, then record the outcome. Run by the
 * scheduler that claimed the firing, or by another one that took the firing over after its lease lapsed
 * (the first died or stalled in between). Both steps are idempotent: the task id was fixed at claim
 * time, so creating it again finds the same task, and only the first completion is recorded.
 *
 *   await completeFiring(deps, schedule, { at, task_id });
 */
import { isDhError } from '../core/errors.ts';
import type { ScheduleFiring } from '../core/model.ts';
import { codeDeletedReason } from '../service/schedules.ts';
import { scheduleTaskRequest } from '../service/schedule-fields.ts';
import { cancelTask, queueTask } from '../service/tasks.ts';
import type { PendingFiring, ScheduleRecord } from '../store/ports.ts';
import type { SchedulerDeps } from './deps.ts';

/** Errors that will not go away by trying again: the firing is recorded as skipped with the message. */
const PERMANENT = new Set(['DH_ERR_CODE_NOT_FOUND', 'DH_ERR_PAYLOAD_TOO_LARGE', 'DH_ERR_VALIDATION']);

export async function completeFiring(deps: SchedulerDeps, schedule: ScheduleRecord, firing: PendingFiring): Promise<void> {
  const { ctx } = deps;
  const at = new Date(firing.at).toISOString();
  try {
    if (firing.cancel_task_id !== undefined) await cancelQuietly(deps, schedule, firing.cancel_task_id);
    const task = await queueTask(ctx, schedule.project_id, scheduleTaskRequest(schedule), { scheduleId: schedule.id, taskId: firing.task_id });
    await deps.hooks.afterQueue?.(schedule.id, firing);
    const entry: ScheduleFiring = { at, outcome: 'queued', task_id: task.id };
    if (firing.cancel_task_id !== undefined) entry.reason = `cancelled the previous task ${firing.cancel_task_id}`;
    await ctx.schedules.completeFiring(schedule.id, firing.at, entry, task.queued_at ?? task.created_at);
  } catch (err) {
    if (!isDhError(err) || !PERMANENT.has(err.code)) throw err;
    const missingCode = err.code === 'DH_ERR_CODE_NOT_FOUND';
    const reason = missingCode ? codeDeletedReason(schedule.code_name) : err.message;
    await ctx.schedules.completeFiring(schedule.id, firing.at, { at, outcome: 'skipped', reason });
    if (missingCode) {
      await ctx.schedules.change(schedule.id, {
        from: ['scheduled', 'paused'],
        to: 'stopped',
        set: { status_reason: reason, paused_at: new Date().toISOString(), next_start: null, next_ms: null },
        due: null,
      });
    }
    ctx.logger.warn({ schedule_id: schedule.id, at, reason }, 'schedule firing skipped');
  }
}

/** cancel-previous: a previous task that has finished or vanished meanwhile needs nothing more. */
async function cancelQuietly(deps: SchedulerDeps, schedule: ScheduleRecord, taskId: string): Promise<void> {
  try {
    await cancelTask(deps.ctx, schedule.project_id, taskId);
  } catch (err) {
    if (isDhError(err) && (err.code === 'DH_ERR_TASK_FINISHED' || err.code === 'DH_ERR_TASK_NOT_FOUND')) return;
    throw err;
  }
}
