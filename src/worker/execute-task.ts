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
import { runAttempt, type AttemptOutcome } from './task-runner.ts';
import { LogSink } from './log-sink.ts';

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
  /** The network tasks with `network` join (made by the worker at start, no traffic between containers). */
  taskNetwork?: string;
}

export type ExecuteResult = { ran: false; reason: string } | { ran: true; task: Task; outcome: AttemptOutcome };

export async function executeTask(deps: ExecuteDeps, taskId: string, signal: AbortSignal): Promise<ExecuteResult> {
  const { ctx } = deps;
  const claim = await ctx.tasks.transition(taskId, ['queued', 'preparing', 'running'], 'preparing', { node_id: deps.nodeId, msg: null, exit_code: null, error_class: null }, { countAttempt: true });
  if (!claim.applied) return { ran: false, reason: `task is ${claim.current ?? 'missing'}` };
  const task = (await ctx.tasks.get(taskId))!;
  const attempt = claim.attempts;
  const log = new LogSink(ctx.logs, taskId, 50, (err) => ctx.logger.warn({ err, task_id: taskId }, 'log write failed'));

  const fail = async (msg: string, errorClass: string): Promise<ExecuteResult> => {
    log.system(`[dockhand] ${msg}`);
    await log.close();
    await finish(ctx, task, 'error', { msg, error_class: errorClass, end_time: new Date().toISOString() });
    return { ran: false, reason: msg };
  };

  const code = await ctx.codes.revision(task.project_id, task.code_name, task.code_rev);
  if (!code) return fail(`Code package "${task.code_name}" revision ${task.code_rev} no longer exists.`, 'CodeMissing');
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
    ...(deps.taskNetwork ? { networkName: deps.taskNetwork } : {}),
    ...(task.schedule_id ? { scheduleId: task.schedule_id } : {}),
    ...(deps.ociRuntime ? { runtime: deps.ociRuntime } : {}),
    // /run/dockhand is sized from the operator's caps (or this task's own bytes, if queued under larger ones).
    limits: {
      payloadMaxBytes: Math.max(ctx.settings.DOCKHAND_PAYLOAD_MAX_BYTES, Buffer.byteLength(task.payload)),
      configMaxBytes: Math.max(ctx.settings.DOCKHAND_CONFIG_MAX_BYTES, Buffer.byteLength(code.config ?? '')),
    },
  });

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
      onPhase: (phase) => {
        if (phase === 'running') {
          void ctx.tasks.transition(taskId, ['preparing'], 'running', { start_time: new Date().toISOString() }).catch(() => {});
        }
      },
    });
  } catch (err) {
    return fail(isDhError(err) ? err.message : `The container could not be run: ${(err as Error).message}`, isDhError(err) ? err.code : 'RuntimeError');
  }

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
  });
  return { ran: true, task, outcome };
}

async function finish(ctx: AppContext, task: Task, status: Task['status'], patch: TaskPatch): Promise<void> {
  const result = await ctx.tasks.transition(task.id, ['preparing', 'running'], status, patch);
  if (result.applied) await ctx.events.publishFinished(task.id);
  await ctx.logs.expire(task.id, ctx.settings.DOCKHAND_LOG_RETENTION_DAYS * 86_400);
}
