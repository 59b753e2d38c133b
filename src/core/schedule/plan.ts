/**
 * The decision a scheduler tick makes for one schedule: which occurrences to fire now, which to record
 * as missed, and when to look again. Pure: the clock and the schedule's progress come in as arguments.
 *
 *   const plan = planDue(def, { lastFiredAt, runCount, now: clock.now(), lateToleranceMs: 60_000 });
 *   // create one task per plan.fire, record plan.missed (and plan.missedCount), store plan.lastHandled
 *   // as the new lastFiredAt, wake up again at plan.next (null: the schedule is complete).
 *
 * Rules:
 * - The occurrences considered are those in (lastFiredAt, now]. With no lastFiredAt (a schedule never
 *   planned) they start at start_at, or at `at` for a one-off; a cron schedule with neither has no past
 *   and only the tolerance window counts.
 * - An occurrence no more than lateToleranceMs before `now` is due: it fires, late or not.
 * - Older ones were missed (downtime, or a pause: resuming is a plan whose lastFiredAt is from before
 *   the pause) and go to the missed-run policy:
 *   - skip: every one is recorded as missed.
 *   - run-once: one task stands for the whole gap: the most recent missed occurrence fires and the rest
 *     are recorded missed. When a due occurrence fires in the same plan, that task already stands for
 *     the gap, so all missed ones are recorded missed.
 *   - catch-up:N: the N most recent missed occurrences fire, oldest first, and any earlier ones are
 *     recorded missed. The most recent periods are the ones still worth running after a long outage;
 *     oldest-first order keeps the tasks in time order.
 * - run_times counts created tasks, not missed occurrences. When it would be exceeded, the oldest of
 *   the firings are kept and the schedule completes.
 * - Work is bounded whatever the gap: at most MAX_FIRE_PER_PLAN due firings (older due ones become
 *   missed), and `missed` lists at most the oldest and newest MISSED_SAMPLE occurrences while
 *   `missedCount` is the exact total (a per-second schedule down for a week: 604,800 counted, 200 listed).
 */
import type { ScheduleDefinition } from './definition.ts';
import { countBetween, firstBetween, lastBetween, nextFiring, remainingRuns } from './occurrences.ts';

export const MISSED_SAMPLE = 100;
export const MAX_FIRE_PER_PLAN = 1000;

export interface PlanState {
  /** The last occurrence already handled (fired, skipped or recorded as missed), if any. */
  lastFiredAt?: Date;
  /** Tasks the schedule has created so far (IronWorker's run_count). */
  runCount: number;
  now: Date;
  /** How late an occurrence may be and still count as an ordinary due firing. */
  lateToleranceMs: number;
}

export interface DuePlan {
  /** Occurrence instants to turn into tasks now, oldest first. */
  fire: Date[];
  /**
   * Occurrences to record as missed, oldest first. Capped: when missedCount exceeds 2 x MISSED_SAMPLE,
   * only the oldest MISSED_SAMPLE and the newest MISSED_SAMPLE are listed.
   */
  missed: Date[];
  /** The exact number of missed occurrences; greater than missed.length when the list was capped. */
  missedCount: number;
  /** The next occurrence after now still to come, or null when the schedule is complete. */
  next: Date | null;
  /** True when no occurrence is left (end_at passed, run_times spent, a one-off done). */
  complete: boolean;
  /** The latest occurrence this plan handled: store it as the next plan's lastFiredAt. */
  lastHandled: Date | undefined;
}

export function planDue(def: ScheduleDefinition, state: PlanState): DuePlan {
  const now = state.now.getTime();
  const remaining = remainingRuns(def, state.runCount);
  if (remaining <= 0) {
    return { fire: [], missed: [], missedCount: 0, next: null, complete: true, lastHandled: state.lastFiredAt };
  }

  const dueFrom = now - Math.max(0, state.lateToleranceMs) - 1;
  const windowFrom = state.lastFiredAt?.getTime() ?? firstPossible(def) ?? dueFrom;
  const dueLow = new Date(Math.max(windowFrom, dueFrom));

  const due = lastBetween(def, dueLow, state.now, MAX_FIRE_PER_PLAN);
  const dueCount = countBetween(def, dueLow, state.now);
  const oldestDue = due[0];
  // Due occurrences beyond the cap join the missed ones.
  const missedTo = dueCount > due.length && oldestDue !== undefined ? new Date(oldestDue.getTime() - 1) : dueLow;
  const missedFrom = new Date(windowFrom);
  const gapCount = countBetween(def, missedFrom, missedTo);

  const fromGap = firingsForGap(def, missedFrom, missedTo, gapCount, due.length > 0);
  const oldestFromGap = fromGap[0];
  const recordedTo = oldestFromGap === undefined ? missedTo : new Date(oldestFromGap.getTime() - 1);
  const missedCount = gapCount - fromGap.length;
  const missed =
    missedCount <= 2 * MISSED_SAMPLE
      ? firstBetween(def, missedFrom, recordedTo, missedCount)
      : [...firstBetween(def, missedFrom, recordedTo, MISSED_SAMPLE), ...lastBetween(def, missedFrom, recordedTo, MISSED_SAMPLE)];

  let fire = [...fromGap, ...due];
  let lastHandled = lastBetween(def, missedFrom, state.now, 1)[0] ?? state.lastFiredAt;
  if (fire.length >= remaining) {
    fire = fire.slice(0, remaining);
    lastHandled = fire[fire.length - 1] ?? lastHandled;
  }

  const nextAfter = new Date(Math.max(now, state.lastFiredAt?.getTime() ?? now));
  const next = nextFiring(def, nextAfter, state.runCount + fire.length);
  return { fire, missed, missedCount, next, complete: next === null, lastHandled };
}

/** The missed occurrences the policy fires, oldest first. */
function firingsForGap(
  def: ScheduleDefinition,
  from: Date,
  to: Date,
  gapCount: number,
  dueFires: boolean,
): Date[] {
  if (gapCount === 0) return [];
  switch (def.missed.kind) {
    case 'skip':
      return [];
    case 'run-once':
      return dueFires ? [] : lastBetween(def, from, to, 1);
    case 'catch-up':
      return lastBetween(def, from, to, Math.min(def.missed.max, gapCount));
  }
}

/** The exclusive lower bound of a never-planned schedule's past, if it has one. */
function firstPossible(def: ScheduleDefinition): number | undefined {
  const start = def.kind === 'once' ? def.at : def.startAt;
  return start === undefined ? undefined : start.getTime() - 1;
}
