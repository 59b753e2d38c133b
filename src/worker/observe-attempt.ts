/**
 * The glue between the worker and attempt telemetry: an attempt's telemetry made from what the node
 * knows when it launches it (the held attempt with the enqueue's trace context, and when it weighed
 * and claimed the task), and the runner's phases as telemetry phases, in one table so the runner
 * stays free of tracing and trace names read like the steps a user knows.
 *
 *   const telemetry = beginAttemptTelemetry(deps, held, { seenAt, claimAt });
 *   onPhase: (phase, _at, detail) => observeRunnerPhase(telemetry, phase, detail)
 */
import type { HeldAttempt } from '../queue/work-source.ts';
import type { AppContext } from '../service/context.ts';
import { AttemptTelemetry, type AttemptPhaseName } from '../telemetry/attempt-telemetry.ts';
import type { AttemptPhase, PhaseDetail } from './task-runner.ts';

/** When this node first weighed the task for a claim (admission, placement) and when it claimed it, epoch ms. */
export interface ClaimTiming {
  seenAt: number;
  claimAt: number;
}

export function beginAttemptTelemetry(deps: { ctx: AppContext; nodeId: string }, held: HeldAttempt, timing?: ClaimTiming): AttemptTelemetry {
  const { ctx } = deps;
  const telemetry = AttemptTelemetry.begin(
    { telemetry: ctx.telemetry, metrics: ctx.metrics, logger: ctx.logger, nodeId: deps.nodeId },
    { taskId: held.taskId, cluster: held.cluster, trace: held.trace, ...(timing ? { startedAt: timing.seenAt } : {}) },
  );
  if (timing) {
    telemetry.phase('admission', {}, timing.seenAt);
    telemetry.phase('claim', {}, timing.claimAt);
  } else {
    telemetry.phase('claim');
  }
  return telemetry;
}

const PHASE_NAMES: Record<AttemptPhase, AttemptPhaseName> = {
  creating: 'container create',
  starting: 'container start',
  running: 'run',
  collecting: 'collect logs',
  result: 'result',
  removing: 'container remove',
};

export function observeRunnerPhase(telemetry: AttemptTelemetry, phase: AttemptPhase, detail: PhaseDetail): void {
  if (detail.containerId) telemetry.container({ id: detail.containerId });
  if (phase === 'collecting' && detail.exitCode !== undefined) telemetry.exited(detail.exitCode);
  telemetry.phase(PHASE_NAMES[phase]);
}
