/**
 * What the scheduler's steps share: the process context, its timing settings, a clock, and hooks that
 * tests use to stop a scheduler between the steps of a firing (as a crash would).
 */
import type { AppContext } from '../service/context.ts';
import type { PendingFiring } from '../store/ports.ts';

export interface SchedulerHooks {
  /** After a claim is written, before its tasks are queued. Throwing here leaves the claim pending. */
  afterClaim?: (scheduleId: string, firings: readonly PendingFiring[]) => void | Promise<void>;
  /** After a firing's task is queued, before its outcome is recorded. */
  afterQueue?: (scheduleId: string, firing: PendingFiring) => void | Promise<void>;
}

export interface SchedulerDeps {
  ctx: AppContext;
  /** How late an occurrence may be and still fire as due (ms). */
  lateToleranceMs: number;
  /** How long a claimed firing stays with its scheduler before another may complete it (ms). */
  leaseMs: number;
  now: () => number;
  hooks: SchedulerHooks;
}
