/**
 * Schedules as pure policy: the definition and its textual form, occurrences within bounds, the
 * per-tick plan (due, missed, next) and the overlap decision. The store and API wire these to Redis.
 *
 *   const def = parseScheduleDefinition(body, { now });
 *   const plan = planDue(def, { lastFiredAt, runCount, now, lateToleranceMs: 60_000 });
 */
export * from './definition.ts';
export {
  parseScheduleDefinition,
  scheduleDefinitionSchema,
  parseMissedPolicy,
  formatMissedPolicy,
  formatScheduleDefinition,
  type ScheduleSchemaOptions,
  type ScheduleText,
} from './schema.ts';
export { nextFiring, occurrencesBetween, firstBetween, lastBetween, countBetween, remainingRuns } from './occurrences.ts';
export { planDue, MISSED_SAMPLE, MAX_FIRE_PER_PLAN, type PlanState, type DuePlan } from './plan.ts';
export { decideOverlap, type OverlapDecision, type PreviousTask } from './overlap.ts';
export { handledAtCreation, type CreationInstant } from './handled-at-creation.ts';
