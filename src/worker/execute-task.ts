/**
 * One task attempt on this node, from a claim to its settlement (ARCHITECTURE §2). The dispatcher has
 * already claimed the task (queued -> preparing, lease taken); this readies the image and code, runs
 * the container, then settles the attempt in one fenced step: finish it, or queue it again (a retry
 * after back-off, or an attempt stopped by a drain or a lost lease). If the task was cancelled or
 * taken back meanwhile, the settlement does not apply and only the lease is given back.
 */
import type { CodeRevision, Task, TaskAttempt } from '../core/model.ts';
import { LIMITS } from '../core/limits.ts';
import { isDhError } from '../core/errors.ts';
import type { FinishedStatus } from '../core/task-status.ts';
import type { AppContext } from '../service/context.ts';
import type { TaskPatch } from '../store/ports.ts';
import type { ContainerRuntime } from '../runtime/port.ts';
import { buildContainerSpec } from '../runtime/container-spec.ts';
import type { HeldAttempt, SettleResult, WorkSource } from '../queue/work-source.ts';
import { runAttempt, type AttemptOutcome } from './task-runner.ts';
import { LogSink } from './log-sink.ts';
import type { StopReason } from './local-attempts.ts';
import { afterAttempt, attemptHeader, failuresIn } from './settle-policy.ts';

export interface ImageResolver {
  /** The image reference and shell command a revision runs with on this node. */
  resolve(code: CodeRevision): Promise<{ image: string; command: string }>;
}

export interface ExecuteDeps {
  ctx: AppContext;
  runtime: ContainerRuntime;
  images: ImageResolver;
  source: WorkSource;
  nodeId: string;
  /** OCI runtime for task containers, when the operator chose one. */
  ociRuntime?: string;
  random?: () => number;
  /** The network tasks with `network` join (made by the worker at start, no traffic between containers). */
  taskNetwork?: string;
}

export type ExecuteResult =
  | { ran: false; reason: string }
  | { ran: true; task: Task; outcome: AttemptOutcome; settled: 'finished' | 'requeued' | 'superseded' };

export async function executeTask(deps: ExecuteDeps, held: HeldAttempt, signal: AbortSignal): Promise<ExecuteResult> {
  const { ctx } = deps;
  const task = await ctx.tasks.get(held.taskId);
  if (!task) {
    await deps.source.finish(held, 'error', {}, { attempt: held.attempt, node_id: deps.nodeId, status: 'error', msg: 'task record missing' });
    return { ran: false, reason: 'task record missing' };
  }
  const log = new LogSink(ctx.logs, task.id, 50, (err) => ctx.logger.warn({ err, task_id: task.id }, 'log write failed'));
  const code = await ctx.codes.revision(task.project_id, task.code_name, task.code_rev);
  const retries = task.retries ?? code?.retries ?? 0;
  if (held.attempt > 1 || retries > 0) log.system(attemptHeader(held.attempt, deps.nodeId, new Date()));

  const settle = async (status: FinishedStatus, patch: TaskPatch, outcome?: AttemptOutcome): Promise<'finished' | 'requeued' | 'superseded'> => {
    const stopReason = signal.aborted ? (signal.reason as StopReason) : undefined;
    const next = afterAttempt({
      status,
      ...(stopReason ? { stopReason } : {}),
      attempt: held.attempt,
      nodeId: deps.nodeId,
      failuresBefore: failuresIn(task.attempt_history),
      retries,
      retriesDelaySeconds: task.retries_delay ?? code?.retries_delay ?? 0,
      random: deps.random ?? Math.random,
      ...(typeof patch.msg === 'string' ? { msg: patch.msg } : {}),
    });
    const history: TaskAttempt = {
      attempt: held.attempt,
      node_id: deps.nodeId,
      status: next.kind === 'requeue' ? next.ending : next.status,
      ...(outcome?.exitCode !== undefined ? { exit_code: outcome.exitCode } : {}),
      ...(outcome ? { start_time: outcome.startedAt.toISOString(), end_time: outcome.endedAt.toISOString() } : { end_time: new Date().toISOString() }),
      ...(typeof patch.msg === 'string' ? { msg: patch.msg } : {}),
      ...(next.kind === 'requeue' && next.ending === 'error' ? { retry_delay_ms: next.delayMs } : {}),
    };
    if (next.kind === 'requeue') log.system(`[dockhand] ${next.msg}`);
    await log.close();
    const result: SettleResult = await withRetries(() =>
      next.kind === 'requeue'
        ? deps.source.requeue(held, { delayMs: next.delayMs, keepRank: next.keepRank, history, msg: next.msg })
        : deps.source.finish(held, next.status, patch, history),
    );
    if (result.fenced) {
      ctx.logger.warn({ task_id: task.id, attempt: held.attempt }, 'attempt superseded: the task is no longer this node\'s');
      return 'superseded';
    }
    if (next.kind === 'requeue') return 'requeued';
    if (result.applied) await ctx.events.publishFinished(task.id);
    await ctx.logs.expire(task.id, ctx.settings.DOCKHAND_LOG_RETENTION_DAYS * 86_400);
    return 'finished';
  };

  const fail = async (msg: string, errorClass: string): Promise<ExecuteResult> => {
    log.system(`[dockhand] ${msg}`);
    await settle('error', { msg, error_class: errorClass, end_time: new Date().toISOString() });
    return { ran: false, reason: msg };
  };

  if (!code) return fail(`Code package "${task.code_name}" revision ${task.code_rev} no longer exists.`, 'CodeMissing');
  let resolved: { image: string; command: string };
  try {
    resolved = await deps.images.resolve(code);
  } catch (err) {
    return fail(isDhError(err) ? err.message : `Could not ready the image: ${(err as Error).message}`, 'ImageUnavailable');
  }

  const spec = buildContainerSpec({
    taskId: task.id,
    attempt: held.attempt,
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
        if (phase === 'running') void deps.source.markRunning(held, new Date().toISOString()).catch(() => {});
      },
    });
  } catch (err) {
    return fail(isDhError(err) ? err.message : `The container could not be run: ${(err as Error).message}`, isDhError(err) ? err.code : 'RuntimeError');
  }

  if (outcome.status === 'timeout') log.system(`[dockhand] task exceeded its timeout of ${task.timeout} s and was killed`);
  if (outcome.oomKilled) log.system(`[dockhand] ${outcome.msg ?? 'task ran out of memory'}`);
  const settled = await settle(
    outcome.status,
    {
      start_time: outcome.startedAt.toISOString(),
      end_time: outcome.endedAt.toISOString(),
      duration: outcome.durationMs,
      ...(outcome.exitCode !== undefined ? { exit_code: outcome.exitCode } : {}),
      ...(outcome.msg ? { msg: outcome.msg } : {}),
      ...(outcome.errorClass ? { error_class: outcome.errorClass } : {}),
      ...(outcome.result !== undefined ? { result: outcome.result } : {}),
    },
    outcome,
  );
  return { ran: true, task, outcome, settled };
}

/** Redis may blink; recording how an attempt ended is worth a few tries before giving up. */
async function withRetries<T>(fn: () => Promise<T>, attempts = 6): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** (i - 1)));
    }
  }
}
