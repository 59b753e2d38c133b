/**
 * What a schedule is, once its text has been parsed (schema.ts does that): when it fires, its bounds,
 * and its overlap and missed-run policies. Plain data: the functions beside it decide everything.
 *
 *   const nightly: ScheduleDefinition = {
 *     kind: 'cron', expr: parseCron('0 2 * * *'), timezone: 'Europe/Berlin',
 *     overlap: 'skip', missed: { kind: 'run-once' },
 *   };
 */
import type { CronExpression } from '../cron/parse.ts';

export const OVERLAP_POLICIES = ['allow', 'skip', 'cancel-previous'] as const;
/**
 * What to do when an occurrence comes while the schedule's previous task is still queued or running:
 * `allow` fires anyway, `skip` records the occurrence as skipped with a reason, `cancel-previous`
 * cancels the previous task and fires.
 */
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

/**
 * What to do with occurrences that passed while nothing could fire them (downtime or a pause):
 * `skip` records each as missed; `run-once` fires one task for the whole gap; `catch-up` fires up to
 * `max` of them. planDue (plan.ts) states exactly which.
 */
export type MissedRunPolicy = { kind: 'skip' } | { kind: 'run-once' } | { kind: 'catch-up'; max: number };

/** Bounds shared by every kind. Occurrences before `startAt` or after `endAt` do not exist. */
export interface ScheduleBounds {
  /** Inclusive: an occurrence at exactly `startAt` fires. */
  startAt?: Date;
  /** Inclusive: an occurrence at exactly `endAt` fires; none after it. */
  endAt?: Date;
  /** How many tasks the schedule may create in all (IronWorker's run_times); missed occurrences do not count. */
  runTimes?: number;
  overlap: OverlapPolicy;
  missed: MissedRunPolicy;
}

export interface CronSchedule extends ScheduleBounds {
  kind: 'cron';
  expr: CronExpression;
  /** Canonical IANA name, e.g. 'Europe/Berlin'. */
  timezone: string;
}

/** IronWorker style: fires at startAt, startAt + runEvery, startAt + 2 runEvery, ... */
export interface EverySchedule extends ScheduleBounds {
  kind: 'every';
  runEverySeconds: number;
  /** The first occurrence and the anchor of all later ones. */
  startAt: Date;
}

/** Fires once, at `at` (IronWorker: a schedule with start_at and no run_every). */
export interface OnceSchedule extends ScheduleBounds {
  kind: 'once';
  at: Date;
}

export type ScheduleDefinition = CronSchedule | EverySchedule | OnceSchedule;

export const DEFAULT_OVERLAP: OverlapPolicy = 'allow';
export const DEFAULT_MISSED: MissedRunPolicy = { kind: 'skip' };
/** IronWorker's floor for run_every, in seconds; operators may lower it through schema options. */
export const DEFAULT_MIN_RUN_EVERY_SECONDS = 60;
/** The largest N accepted in `catch-up:N`. */
export const MAX_CATCH_UP = 1000;
