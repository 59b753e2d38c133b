/**
 * The glue between the worker and attempt telemetry: an attempt's telemetry made from its BullMQ job
 * (trace context, enqueue time, queue), and the runner's phases as telemetry phases, in one table so
 * the runner stays free of tracing and trace names read like the steps a user knows.
 *
 *   const telemetry = beginAttemptTelemetry(deps, job);
 *   onPhase: (phase, _at, detail) => observeRunnerPhase(telemetry, phase, detail)
 */
import type { Job } from 'bullmq';
import type { TaskJobData } from '../queue/task-queue.ts';
import { AttemptTelemetry, type AttemptPhaseName } from '../telemetry/attempt-telemetry.ts';
import type { AppContext } from '../service/context.ts';
import type { AttemptPhase, PhaseDetail } from './task-runner.ts';

export function beginAttemptTelemetry(deps: { ctx: AppContext; nodeId: string }, job: Job<TaskJobData>): AttemptTelemetry {
  const { ctx } = deps;
  return AttemptTelemetry.begin(
    { telemetry: ctx.telemetry, metrics: ctx.metrics, logger: ctx.logger, nodeId: deps.nodeId },
    {
      taskId: job.data.taskId,
      jobId: job.id ?? job.data.taskId,
      cluster: job.queueName.replace(/^tasks-/, ''),
      enqueuedAt: job.timestamp,
      trace: job.data.trace,
    },
  );
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
