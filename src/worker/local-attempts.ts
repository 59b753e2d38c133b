/**
 * What this worker process runs right now: every attempt it holds (and the claims it is making), so
 * it knows its free slots and memory without asking Redis, can stop an attempt by id, and can tell
 * its own containers from leftovers.
 *
 *   const local = new LocalAttempts({ slots: 4, memoryMb: 8192 });
 *   local.beginClaim('t1', 512); ... local.add(held, controller); local.endClaim('t1');
 */
import type { NodeCapacity } from '../core/fleet/admission.ts';
import type { HeldAttempt } from '../queue/work-source.ts';
import { attemptKey } from './reconcile-policy.ts';
import type { OutsideStopReason } from './stop-reason.ts';

export interface LocalAttempt {
  held: HeldAttempt;
  controller: AbortController;
}

export class LocalAttempts {
  /**
   * By `taskId:attempt`, not by task: a node whose lease lapsed may claim the task's next attempt
   * while the older attempt is still winding down here (its container being killed, its end being
   * recorded), and the two must not stand for each other.
   */
  private readonly attempts = new Map<string, LocalAttempt>();
  private readonly claiming = new Map<string, number>();

  constructor(private readonly total: { slots: number; memoryMb: number }) {}

  /** The declared memory, once known (it may default to the engine's host memory). */
  setMemory(memoryMb: number): void {
    this.total.memoryMb = memoryMb;
  }

  capacity(): NodeCapacity {
    let memory = 0;
    for (const { held } of this.attempts.values()) memory += held.memoryMb;
    const claimingOnly = [...this.claiming].filter(([taskId]) => !this.holds(taskId));
    for (const [, mb] of claimingOnly) memory += mb;
    return { slotsTotal: this.total.slots, slotsUsed: this.attempts.size + claimingOnly.length, memoryTotalMb: this.total.memoryMb, memoryReservedMb: memory };
  }

  beginClaim(taskId: string, memoryMb: number): void {
    this.claiming.set(taskId, memoryMb);
  }

  endClaim(taskId: string): void {
    this.claiming.delete(taskId);
  }

  add(held: HeldAttempt): LocalAttempt {
    const attempt = { held, controller: new AbortController() };
    this.attempts.set(attemptKey(held.taskId, held.attempt), attempt);
    return attempt;
  }

  /** Forgets one attempt that ended; a newer attempt of the same task stays. */
  remove(held: Pick<HeldAttempt, 'taskId' | 'attempt'>): void {
    this.attempts.delete(attemptKey(held.taskId, held.attempt));
  }

  all(): LocalAttempt[] {
    return [...this.attempts.values()];
  }

  /** Task ids held or being claimed: none of them is an orphan. */
  busyTaskIds(): Set<string> {
    return new Set([...this.all().map(({ held }) => held.taskId), ...this.claiming.keys()]);
  }

  /** `taskId:attempt` of everything running here, for the reconciler. */
  attemptKeys(): Set<string> {
    return new Set(this.attempts.keys());
  }

  /** Stops every attempt of the task this process runs (a cancel or a lost lease names the task). */
  stop(taskId: string, reason: OutsideStopReason): boolean {
    let stopped = false;
    for (const attempt of this.attempts.values()) {
      if (attempt.held.taskId !== taskId || attempt.controller.signal.aborted) continue;
      attempt.controller.abort(reason);
      stopped = true;
    }
    return stopped;
  }

  stopAll(reason: OutsideStopReason): number {
    let stopped = 0;
    for (const taskId of this.busyTaskIds()) if (this.stop(taskId, reason)) stopped++;
    return stopped;
  }

  private holds(taskId: string): boolean {
    return this.all().some(({ held }) => held.taskId === taskId);
  }
}
