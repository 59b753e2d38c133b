/**
 * Turns one tick's plan (core/schedule planDue) into what the scheduler claims: which occurrences get a
 * task (with the task id decided now), which are skipped by the overlap policy or recorded as missed,
 * and the schedule's next occurrence. Pure: the caller reads the previous task and writes the claim.
 *
 *   const decision = decideFirings({ def, plan, runCount, previous, newTaskId: () => newId(), missedReason });
 *   // claim decision.fire, decision.record, decision.next, decision.lastHandled in one atomic step
 *
 * Overlap is checked occurrence by occurrence, in time order: the first firing of a plan against the
 * schedule's previous task, each later one against the task the firing before it created (still
 * queued). So with `skip`, a catch-up after downtime queues the first missed occurrence and records the
 * rest as skipped; with `cancel-previous`, each catch-up firing cancels the one before it.
 */
import type { ScheduleFiring } from '../core/model.ts';
import type { ScheduleDefinition } from '../core/schedule/definition.ts';
import { nextFiring } from '../core/schedule/occurrences.ts';
import { decideOverlap, type PreviousTask } from '../core/schedule/overlap.ts';
import type { DuePlan } from '../core/schedule/plan.ts';
import type { PendingFiring } from '../store/ports.ts';

export interface DecisionInput {
  def: ScheduleDefinition;
  plan: DuePlan;
  /** Tasks the schedule created before this plan. */
  runCount: number;
  /** The clock reading the plan was made at. */
  now: Date;
  /** The task of the schedule's latest firing, if any. */
  previous: PreviousTask | undefined;
  newTaskId: () => string;
  /** Why an occurrence was missed (downtime, or a pause), for its history entry. */
  missedReason: (at: Date) => string;
}

export interface FiringDecision {
  fire: PendingFiring[];
  /** Skipped and missed occurrences, oldest first. */
  record: ScheduleFiring[];
  next: Date | null;
  lastHandled: Date | undefined;
  lastTaskId?: string;
}

export function decideFirings(input: DecisionInput): FiringDecision {
  const { def, plan } = input;
  const fire: PendingFiring[] = [];
  const record: ScheduleFiring[] = missedEntries(plan, input.missedReason);
  let previous = input.previous;
  for (const at of plan.fire) {
    const decision = decideOverlap(def.overlap, previous);
    if (decision.action === 'skip') {
      record.push({ at: at.toISOString(), outcome: 'skipped', reason: decision.reason });
      continue;
    }
    const taskId = input.newTaskId();
    const firing: PendingFiring = { at: at.getTime(), task_id: taskId };
    if (decision.action === 'fire-and-cancel' && decision.cancelTaskId !== undefined) firing.cancel_task_id = decision.cancelTaskId;
    fire.push(firing);
    previous = { taskId, status: 'queued' };
  }
  record.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));

  // Skipped firings created no task, so run_times may leave room for more than the plan assumed.
  let next = plan.next;
  if (fire.length < plan.fire.length) {
    const after = Math.max(input.now.getTime(), plan.lastHandled?.getTime() ?? input.now.getTime());
    next = nextFiring(def, new Date(after), input.runCount + fire.length);
  }
  const last = fire[fire.length - 1];
  return {
    fire,
    record,
    next,
    lastHandled: plan.lastHandled,
    ...(last !== undefined ? { lastTaskId: last.task_id } : {}),
  };
}

/** The plan's missed occurrences as history entries; a capped list says how many it leaves out. */
function missedEntries(plan: DuePlan, reason: (at: Date) => string): ScheduleFiring[] {
  const entries: ScheduleFiring[] = plan.missed.map((at) => ({ at: at.toISOString(), outcome: 'missed', reason: reason(at) }));
  const omitted = plan.missedCount - plan.missed.length;
  if (omitted > 0) {
    // The list holds the oldest and the newest half; the omitted ones lie between the two halves.
    const half = plan.missed.length / 2;
    const before = plan.missed[half - 1];
    const after = plan.missed[half];
    const entry = entries[half];
    if (before !== undefined && after !== undefined && entry !== undefined) {
      entry.reason = `${entry.reason}; ${omitted} more occurrences between ${before.toISOString()} and ${after.toISOString()} were missed too and are not listed`;
    }
  }
  return entries;
}
