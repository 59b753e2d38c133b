/**
 * IronWorker priorities (2 runs first, then 1, then 0) and arrival order, as one number: a task's rank
 * in its ready set. Lower ranks run first. The Lua scripts compute the same (lib/dispatch.lua); this
 * mirror documents the order and lets tests reason about it.
 *
 *   queueRank(2, 17) < queueRank(0, 3) // true: priority first, then arrival
 */
import type { Priority } from '../core/limits.ts';

/** 2^48 arrivals per priority band; three bands stay below 2^53, so ranks are exact doubles. */
export const RANK_BAND = 2 ** 48;

export function queueRank(priority: Priority, arrival: number): number {
  return (2 - priority) * RANK_BAND + arrival;
}
