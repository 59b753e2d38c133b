/**
 * One scheduler tick for one due schedule: read it, plan what is due (planDue), decide overlap and
 * missed entries (decideFirings), claim all of it in one atomic step, then queue the claimed tasks.
 * Any number of servers may tick the same schedule at once; the claim's version check lets exactly one
 * of them through, and the others simply find nothing left to do on their next look.
 *
 *   await tickSchedule(deps, scheduleId);
 *
 * Missed occurrences are those older than the late tolerance. Right after a resume the tolerance is
 * cut to the time since the resume, so what fell inside the pause always goes to the missed-run policy.
 */
import { newId } from '../core/ids.ts';
import type { ScheduleDefinition } from '../core/schedule/definition.ts';
import type { PreviousTask } from '../core/schedule/overlap.ts';
import { planDue } from '../core/schedule/plan.ts';
import { compileSchedule } from '../service/schedule-fields.ts';
import { codeDeletedReason } from '../service/schedules.ts';
import type { ScheduleRecord } from '../store/ports.ts';
import { completeFiring } from './complete-firing.ts';
import type { SchedulerDeps } from './deps.ts';
import { decideFirings } from './firing-decisions.ts';

export async function tickSchedule(deps: SchedulerDeps, scheduleId: string): Promise<void> {
  const { ctx } = deps;
  const record = await ctx.schedules.get(scheduleId);
  if (!record || record.status !== 'scheduled') {
    await ctx.schedules.settleDue(scheduleId);
    return;
  }
  let def: ScheduleDefinition;
  try {
    def = compileSchedule(record);
  } catch (err) {
    await stopUnreadable(deps, record, (err as Error).message);
    return;
  }

  const nowMs = deps.now();
  const now = new Date(nowMs);
  const resumedMs = record.resumed_at !== undefined ? Date.parse(record.resumed_at) : undefined;
  const tolerance = resumedMs !== undefined ? Math.min(deps.lateToleranceMs, Math.max(0, nowMs - resumedMs)) : deps.lateToleranceMs;
  const plan = planDue(def, {
    ...(record.last_handled_ms !== undefined ? { lastFiredAt: new Date(record.last_handled_ms) } : {}),
    runCount: record.run_count,
    now,
    lateToleranceMs: tolerance,
  });

  if (plan.fire.length === 0 && plan.missedCount === 0 && !plan.complete) {
    // Woken early, or another server has just claimed: only keep the due set pointing at the next one.
    if (plan.next !== null) await ctx.schedules.settleDue(record.id, { version: record.version, nextMs: plan.next.getTime() });
    return;
  }

  const previous = plan.fire.length > 0 && def.overlap !== 'allow' ? await previousTask(deps, record) : undefined;
  const decision = decideFirings({
    def,
    plan,
    runCount: record.run_count,
    now,
    previous,
    newTaskId: () => newId(nowMs),
    missedReason: (at) => missedReason(record, at.getTime()),
  });
  const result = await ctx.schedules.claim(record, {
    version: record.version,
    ...(decision.lastHandled ? { lastHandled: decision.lastHandled } : {}),
    next: decision.next,
    ...(decision.lastTaskId !== undefined ? { lastTaskId: decision.lastTaskId } : {}),
    fire: decision.fire,
    record: decision.record,
    codeMissingReason: codeDeletedReason(record.code_name),
    // A long catch-up takes a while to queue; its claim should not lapse while this scheduler is at it.
    leaseUntil: nowMs + deps.leaseMs + decision.fire.length * 20,
    now,
  });
  if (result === 'code-missing') {
    ctx.logger.warn({ schedule_id: record.id, code_name: record.code_name }, 'schedule stopped: its code package is gone');
    return;
  }
  if (result !== 'claimed' || decision.fire.length === 0) return;

  await deps.hooks.afterClaim?.(record.id, decision.fire);
  for (const firing of decision.fire) await completeFiring(deps, record, firing);
}

/** The state of the task the schedule's latest firing created; a claimed one not yet created counts as queued. */
async function previousTask(deps: SchedulerDeps, record: ScheduleRecord): Promise<PreviousTask | undefined> {
  const taskId = record.last_task_id;
  if (taskId === undefined) return undefined;
  const task = await deps.ctx.tasks.get(taskId);
  if (task) return { taskId, status: task.status };
  const pending = await deps.ctx.schedules.pending(record.id);
  return pending.some((p) => p.task_id === taskId) ? { taskId, status: 'queued' } : undefined;
}

function missedReason(record: ScheduleRecord, at: number): string {
  const pausedMs = record.paused_at !== undefined ? Date.parse(record.paused_at) : undefined;
  const resumedMs = record.resumed_at !== undefined ? Date.parse(record.resumed_at) : undefined;
  if (pausedMs !== undefined && resumedMs !== undefined && at >= pausedMs && at <= resumedMs) {
    return `the schedule was ${record.resumed_from ?? 'paused'}`;
  }
  return 'no scheduler was running to fire it in time';
}

async function stopUnreadable(deps: SchedulerDeps, record: ScheduleRecord, message: string): Promise<void> {
  await deps.ctx.schedules.change(record.id, {
    from: ['scheduled'],
    to: 'stopped',
    set: { status_reason: `its stored definition cannot be read (${message}); replace it or cancel it`, next_start: null, next_ms: null },
    due: null,
  });
  deps.ctx.logger.error({ schedule_id: record.id, err: message }, 'schedule stopped: unreadable definition');
}
