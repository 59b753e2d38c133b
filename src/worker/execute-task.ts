/**
 * One task attempt on this node, from claim to finish (ARCHITECTURE §2): claim the record, ready the
 * image and code, run the container, then record how it ended. Each status change is one atomic store
 * transition; if the task was cancelled meanwhile, the later transitions simply do not apply.
 */
import type { CodeRevision, Task } from '../core/model.ts';
import { LIMITS } from '../core/limits.ts';
import { isDhError } from '../core/errors.ts';
import type { AppContext } from '../service/context.ts';
import type { TaskPatch } from '../store/ports.ts';
import type { ContainerRuntime } from '../runtime/port.ts';
import { buildContainerSpec } from '../runtime/container-spec.ts';
import { AttemptTelemetry, type AttemptEnd } from '../telemetry/attempt-telemetry.ts';
import { runAttempt, type AttemptOutcome } from './task-runner.ts';
import { AttemptOutput } from './attempt-output.ts';
import { observeRunnerPhase } from './observe-attempt.ts';

export interface ImageResolver {
  /** The image reference and shell command a revision runs with on this node. */
  resolve(code: CodeRevision): Promise<{ image: string; command: string }>;
}

export interface ExecuteDeps {
  ctx: AppContext;
  runtime: ContainerRuntime;
  images: ImageResolver;
  nodeId: string;
  /** OCI runtime for task containers, when the operator chose one. */
  ociRuntime?: string;
}

export type ExecuteResult = { ran: false; reason: string } | { ran: true; task: Task; outcome: AttemptOutcome };

/** `telemetry` traces the attempt's phases and carries its log context; the node agent makes it from the job. */
export async function executeTask(deps: ExecuteDeps, taskId: string, signal: AbortSignal, telemetry = defaultTelemetry(deps, taskId)): Promise<ExecuteResult> {
  const { ctx } = deps;
  telemetry.phase('claim');
  const claim = await ctx.tasks.transition(taskId, ['queued', 'preparing', 'running'], 'preparing', { node_id: deps.nodeId, msg: null, exit_code: null, error_class: null }, { countAttempt: true });
  if (!claim.applied) {
    const reason = `task is ${claim.current ?? 'missing'}`;
    telemetry.abandoned(reason);
    return { ran: false, reason };
  }
  const task = (await ctx.tasks.get(taskId))!;
  const attempt = claim.attempts;
  telemetry.claimed(task, attempt);
  const log = new AttemptOutput(ctx, task, telemetry);

  const fail = async (msg: string, errorClass: string): Promise<ExecuteResult> => {
    telemetry.fail(msg, errorClass);
    telemetry.phase('finish');
    log.system(`[dockhand] ${msg}`);
    await log.close();
    await finish(ctx, task, 'error', { msg, error_class: errorClass, end_time: new Date().toISOString() }, telemetry);
    return { ran: false, reason: msg };
  };

  telemetry.phase('admission');
  telemetry.phase('prepare code');
  const code = await ctx.codes.revision(task.project_id, task.code_name, task.code_rev);
  if (!code) return fail(`Code package "${task.code_name}" revision ${task.code_rev} no longer exists.`, 'CodeMissing');
  telemetry.phase('prepare image');
  let resolved: { image: string; command: string };
  try {
    resolved = await deps.images.resolve(code);
  } catch (err) {
    return fail(isDhError(err) ? err.message : `Could not ready the image: ${(err as Error).message}`, 'ImageUnavailable');
  }

  const spec = buildContainerSpec({
    taskId,
    attempt,
    projectId: task.project_id,
    codeName: task.code_name,
    nodeId: deps.nodeId,
    image: resolved.image,
    command: resolved.command,
    envVars: code.env_vars,
    memoryMb: code.memory,
    cpus: code.cpus,
    network: code.network,
    ...(task.schedule_id ? { scheduleId: task.schedule_id } : {}),
    ...(telemetry.traceparent ? { traceparent: telemetry.traceparent } : {}),
    ...(deps.ociRuntime ? { runtime: deps.ociRuntime } : {}),
  });
  telemetry.container({ name: spec.name, image: spec.image, ...(deps.ociRuntime ? { runtime: deps.ociRuntime } : {}) });

  let outcome: AttemptOutcome;
  try {
    outcome = await runAttempt(deps.runtime, {
      spec,
      ...(code.archive_sha256 ? { code: () => ctx.codeStore.get(code.archive_sha256!) } : {}),
      payload: task.payload,
      ...(code.config !== undefined ? { config: code.config } : {}),
      timeoutMs: task.timeout * 1000,
      logCapBytes: LIMITS.logCapBytes,
      resultMaxBytes: LIMITS.resultMaxBytes,
      signal,
      onLog: (chunk) => log.write(chunk),
      onPhase: (phase, _at, detail) => {
        observeRunnerPhase(telemetry, phase, detail);
        if (phase === 'running') {
          void ctx.tasks.transition(taskId, ['preparing'], 'running', { start_time: new Date().toISOString() }).catch(() => {});
        }
      },
    });
  } catch (err) {
    return fail(isDhError(err) ? err.message : `The container could not be run: ${(err as Error).message}`, isDhError(err) ? err.code : 'RuntimeError');
  }

  telemetry.phase('finish');
  if (outcome.status === 'timeout') log.system(`[dockhand] task exceeded its timeout of ${task.timeout} s and was killed`);
  if (outcome.oomKilled) log.system(`[dockhand] ${outcome.msg ?? 'task ran out of memory'}`);
  await log.close();
  await finish(ctx, task, outcome.status, {
    start_time: outcome.startedAt.toISOString(),
    end_time: outcome.endedAt.toISOString(),
    duration: outcome.durationMs,
    ...(outcome.exitCode !== undefined ? { exit_code: outcome.exitCode } : {}),
    ...(outcome.msg ? { msg: outcome.msg } : {}),
    ...(outcome.errorClass ? { error_class: outcome.errorClass } : {}),
    ...(outcome.result !== undefined ? { result: outcome.result } : {}),
  }, telemetry, { durationMs: outcome.durationMs, exitCode: outcome.exitCode, msg: outcome.msg, errorClass: outcome.errorClass });
  return { ran: true, task, outcome };
}

async function finish(ctx: AppContext, task: Task, status: Task['status'], patch: TaskPatch, telemetry: AttemptTelemetry, end: AttemptEnd = {}): Promise<void> {
  const result = await ctx.tasks.transition(task.id, ['preparing', 'running'], status, patch);
  // Before the notice: whoever the notice wakes finds the attempt's spans already written.
  telemetry.finished(result.applied ? status : (result.current ?? status), end);
  if (result.applied) await ctx.events.publishFinished(task.id);
  await ctx.logs.expire(task.id, ctx.settings.DOCKHAND_LOG_RETENTION_DAYS * 86_400);
}

function defaultTelemetry(deps: ExecuteDeps, taskId: string): AttemptTelemetry {
  const { ctx } = deps;
  return AttemptTelemetry.begin({ telemetry: ctx.telemetry, metrics: ctx.metrics, logger: ctx.logger, nodeId: deps.nodeId }, { taskId, jobId: taskId });
}
