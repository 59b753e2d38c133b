/**
 * Admission on one node: a task starts only when a slot is free and its memory limit fits in what the
 * node has left of its declared memory, so a node never overcommits. Pure.
 *
 *   admit({ slotsTotal: 4, slotsUsed: 3, memoryTotalMb: 2048, memoryReservedMb: 1792 }, 512)
 *   // { admit: false, reason: 'no-memory' }
 */
export interface NodeCapacity {
  slotsTotal: number;
  slotsUsed: number;
  /** Declared memory of the node (MiB): the sum of running tasks' limits never exceeds it. */
  memoryTotalMb: number;
  memoryReservedMb: number;
}

export type AdmissionVerdict =
  | { admit: true }
  /** `never-fits`: the task asks for more than the node has at all; another node may take it. */
  | { admit: false; reason: 'no-slot' | 'no-memory' | 'never-fits' };

export function admit(capacity: NodeCapacity, memoryMb: number): AdmissionVerdict {
  if (memoryMb > capacity.memoryTotalMb) return { admit: false, reason: 'never-fits' };
  if (capacity.slotsUsed >= capacity.slotsTotal) return { admit: false, reason: 'no-slot' };
  if (capacity.memoryReservedMb + memoryMb > capacity.memoryTotalMb) return { admit: false, reason: 'no-memory' };
  return { admit: true };
}

export function hasFreeSlot(capacity: NodeCapacity): boolean {
  return capacity.slotsUsed < capacity.slotsTotal;
}

/** The capacity after one more task of `memoryMb` starts (or, with a negative sign, ends). */
export function reserve(capacity: NodeCapacity, memoryMb: number, sign: 1 | -1 = 1): NodeCapacity {
  return {
    ...capacity,
    slotsUsed: capacity.slotsUsed + sign,
    memoryReservedMb: capacity.memoryReservedMb + sign * memoryMb,
  };
}

/**
 * The candidates this node may claim now, in the order given (the queue's priority order). A task
 * that does not fit is skipped rather than blocking the rest: it waits for a node with room.
 */
export function admissible<T extends { memoryMb: number }>(candidates: readonly T[], capacity: NodeCapacity): T[] {
  return candidates.filter((c) => admit(capacity, c.memoryMb).admit);
}
