/**
 * Where a new schedule's "handled up to" mark starts. Occurrences before a schedule existed are not
 * its missed runs, so the mark is the creation instant, with one exception: an occurrence at or after
 * a `start_at` the client gave that is only just past (no older than the schedule tolerance) fires at
 * once. A client that means "start now" sends its own clock's now, which reaches the server a few
 * milliseconds in the past; without this its first firing would wait a whole period. Pure.
 *
 *   handledAtCreation(def, { now, declaredStartAt: def.startAt, toleranceMs: 30_000 })
 *   // start_at 20 ms before now: start_at - 1 ms, so the occurrence at start_at is due at once
 */
import type { ScheduleDefinition } from './definition.ts';

export interface CreationInstant {
  now: Date;
  /** The start_at the request gave (undefined when the schedule starts at its creation). */
  declaredStartAt: Date | undefined;
  /** How late an occurrence may be and still fire (DOCKHAND_SCHEDULE_TOLERANCE). */
  toleranceMs: number;
}

/** The instant up to which occurrences count as handled; undefined for a one-off (its instant is its own). */
export function handledAtCreation(def: ScheduleDefinition, at: CreationInstant): Date | undefined {
  if (def.kind === 'once') return undefined;
  const justBefore = at.now.getTime() - 1;
  if (at.declaredStartAt === undefined) return new Date(justBefore);
  const stillDueFrom = Math.max(at.declaredStartAt.getTime(), at.now.getTime() - at.toleranceMs);
  return new Date(Math.min(justBefore, stillDueFrom - 1));
}
