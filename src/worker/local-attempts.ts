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
    for (const [taskId, mb] of this.claiming) if (!this.attempts.has(taskId)) memory += mb;
    const claimingOnly = [...this.claiming.keys()].filter((id) => !this.attempts.has(id)).length;
    return { slotsTotal: this.total.slots, slotsUsed: this.attempts.size + claimingOnly, memoryTotalMb: this.total.memoryMb, memoryReservedMb: memory };
  }

  beginClaim(taskId: string, memoryMb: number): void {
    this.claiming.set(taskId, memoryMb);
  }

  endClaim(taskId: string): void {
    this.claiming.delete(taskId);
  }

  add(held: HeldAttempt): LocalAttempt {
    const attempt = { held, controller: new AbortController() };
    this.attempts.set(held.taskId, attempt);
    return attempt;
  }

  remove(taskId: string): void {
    this.attempts.delete(taskId);
  }

  get(taskId: string): LocalAttempt | undefined {
    return this.attempts.get(taskId);
  }

  all(): LocalAttempt[] {
    return [...this.attempts.values()];
  }

  /** Task ids held or being claimed: none of them is an orphan. */
  busyTaskIds(): Set<string> {
    return new Set([...this.attempts.keys(), ...this.claiming.keys()]);
  }

  /** `taskId:attempt` of everything running here, for the reconciler. */
  attemptKeys(): Set<string> {
    return new Set([...this.attempts.values()].map(({ held }) => attemptKey(held.taskId, held.attempt)));
  }

  stop(taskId: string, reason: OutsideStopReason): boolean {
    const attempt = this.attempts.get(taskId);
    if (!attempt || attempt.controller.signal.aborted) return false;
    attempt.controller.abort(reason);
    return true;
  }

  stopAll(reason: OutsideStopReason): number {
    let stopped = 0;
    for (const taskId of this.attempts.keys()) if (this.stop(taskId, reason)) stopped++;
    return stopped;
  }
}
