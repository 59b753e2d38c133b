/**
 * One task attempt on this node, from a claim to its settlement (docs/architecture.md, "The path of
 * a task"). The dispatcher has already claimed the task (queued -> preparing, lease taken); this
 * readies the image and code, runs the container, then settles the attempt in one fenced step:
 * finish it, or queue it again (a retry after back-off, or an attempt stopped by a drain or a lost
 * lease). If the task was cancelled or taken back meanwhile, the settlement does not apply and only
 * the lease is given back.
 */
import { performance } from 'node:perf_hooks';
import type { CodeRevision, Task, TaskAttempt } from '../core/model.ts';
import { LIMITS } from '../core/limits.ts';
import type { ErrorClass } from '../core/error-class.ts';
import { isDhError } from '../core/errors.ts';
import type { FinishedStatus } from '../core/task-status.ts';
import type { AppContext } from '../service/context.ts';
import type { TaskPatch } from '../store/ports.ts';
import type { ContainerHandle, ContainerRuntime } from '../runtime/port.ts';
import { buildContainerSpec } from '../runtime/container-spec.ts';
import { isEngineTransient } from '../runtime/docker-errors.ts';
import type { HeldAttempt, SettleResult, WorkSource } from '../queue/work-source.ts';
import { AttemptTelemetry, type AttemptEnd } from '../telemetry/attempt-telemetry.ts';
import { runAttempt, type AttemptOutcome } from './task-runner.ts';
import { AttemptOutput } from './attempt-output.ts';
import { observeRunnerPhase } from './observe-attempt.ts';
import { afterAttempt, attemptHeader, engineRequeuesIn, failuresIn, stackMissesIn } from './settle-policy.ts';
import { outsideStopOf } from './stop-reason.ts';
import type { WarmPool } from './warm-pool.ts';
import { startScript } from './warm-spec.ts';
import type { EgressGuard, TaskEgress } from './egress-guard.ts';

export interface ResolvedImage {
  image: string;
  /** A readable name of the image (a stack image pinned by id still has its stack's name), for traces. */
  imageName?: string;
  command: string;
  /** How the task's stdin is framed for the image: `tar` for images Dockhand derived from custom ones. */
  input?: 'members' | 'tar';
}

export interface ImageResolver {
  /** The image reference and shell command a revision runs with on this node. */
  resolve(code: CodeRevision): Promise<ResolvedImage>;
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
  /** Warm containers to run in when one of the task's class is ready (warm-pool.ts). */
  warmPool?: WarmPool;
  /** The resolvers network-enabled tasks use, the only ones their egress policy lets through. */
  taskDns?: string[];
  /** Holds the egress policy of network-enabled tasks; absent: they run unfiltered. */
  egress?: EgressGuard;
  /** Told when a task's stack image is not on this node (the node then pulls what it lacks). */
  onStackMissing?: (stack: string) => void;
}

/** Why an attempt failed through no fault of its task: then it is queued again without using a retry (settle-policy.ts). */
interface NotTheTasksFault {
  /** The node's Docker engine did not answer. */
  engineUnavailable?: boolean;
  /** The node lacks this stack's image. */
  missingStack?: string;
}

export type ExecuteResult =
  | { ran: false; reason: string }
  | { ran: true; task: Task; outcome: AttemptOutcome; settled: 'finished' | 'requeued' | 'superseded' };

/** `telemetry` traces the attempt's phases and carries its log context; the node agent makes it at launch. */
export async function executeTask(deps: ExecuteDeps, held: HeldAttempt, signal: AbortSignal, telemetry = defaultTelemetry(deps, held)): Promise<ExecuteResult> {
  const { ctx } = deps;
  const task = await ctx.tasks.get(held.taskId);
  if (!task) {
    telemetry.abandoned('task record missing');
    await deps.source.finish(held, 'error', {}, { attempt: held.attempt, node_id: deps.nodeId, status: 'error', msg: 'task record missing' });
    return { ran: false, reason: 'task record missing' };
  }
  telemetry.claimed(task, held.attempt);
  const claimedAt = Date.now();
  const log = new AttemptOutput(ctx, task, telemetry);
  telemetry.phase('prepare code');
  const code = await ctx.codes.revision(task.project_id, task.code_name, task.code_rev);
  const retries = task.retries ?? code?.retries ?? 0;
  if (held.attempt > 1 || retries > 0) log.system(attemptHeader(held.attempt, deps.nodeId, new Date()));

  const settle = async (status: FinishedStatus, patch: TaskPatch, outcome?: AttemptOutcome, notTheTasks: NotTheTasksFault = {}): Promise<'finished' | 'requeued' | 'superseded'> => {
    telemetry.phase('finish');
    const stopReason = outsideStopOf(signal);
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
      ...(notTheTasks.engineUnavailable ? { engineUnavailable: true, engineRequeuesBefore: engineRequeuesIn(task.attempt_history) } : {}),
      ...(notTheTasks.missingStack !== undefined ? { missingStack: notTheTasks.missingStack, stackMissesBefore: stackMissesIn(task.attempt_history) } : {}),
    });
    const history: TaskAttempt = {
      attempt: held.attempt,
      node_id: deps.nodeId,
      status: next.kind === 'requeue' ? next.ending : next.status,
      ...(outcome?.exitCode !== undefined ? { exit_code: outcome.exitCode } : {}),
      ...(outcome ? { start_time: outcome.startedAt.toISOString(), end_time: outcome.endedAt.toISOString() } : { end_time: new Date().toISOString() }),
      ...(typeof patch.msg === 'string' ? { msg: patch.msg } : {}),
      ...(next.kind === 'requeue' && next.delayMs > 0 ? { retry_delay_ms: next.delayMs } : {}),
    };
    if (next.kind === 'requeue') log.system(`[dockhand] ${next.msg}`);
    await log.close();
    const result: SettleResult = await withRetries(() =>
      next.kind === 'requeue'
        ? deps.source.requeue(held, { delayMs: next.delayMs, keepRank: next.keepRank, history, msg: next.msg })
        : deps.source.finish(held, next.status, patch, history),
    );
    if (result.fenced) {
      telemetry.abandoned('superseded: the task is no longer this node\'s');
      telemetry.logger.warn({ attempt: held.attempt }, 'attempt superseded: the task is no longer this node\'s');
      return 'superseded';
    }
    // Before the notice: whoever the notice wakes finds the attempt's spans already written.
    const ended = next.kind === 'requeue' ? 'queued' : next.status;
    telemetry.finished(result.applied ? ended : (result.previous ?? ended), attemptEnd(patch, outcome));
    if (next.kind === 'requeue') return 'requeued';
    if (result.applied) await ctx.events.publishFinished(task.id);
    await ctx.logs.expire(task.id, ctx.settings.DOCKHAND_LOG_RETENTION_DAYS * 86_400);
    return 'finished';
  };

  /** `cause`: the error behind the failure, when it may be the engine's (then the engine is asked whether it answers). */
  const fail = async (msg: string, errorClass: ErrorClass, cause?: unknown): Promise<ExecuteResult> => {
    telemetry.fail(msg, errorClass);
    log.system(`[dockhand] ${msg}`);
    const engineUnavailable = cause !== undefined && (await engineFailed(deps.runtime, { cause, since: claimedAt }));
    await settle('error', { msg, error_class: errorClass, end_time: new Date().toISOString() }, undefined, { engineUnavailable });
    return { ran: false, reason: msg };
  };

  if (!code) return fail(`Code package "${task.code_name}" revision ${task.code_rev} no longer exists.`, 'Code Missing');
  telemetry.phase('prepare image');
  let resolved: ResolvedImage;
  try {
    resolved = await deps.images.resolve(code);
  } catch (err) {
    // Not the task's fault: a node that pulls from a registry may not have a new stack's image yet.
    const missing = missingStackOf(err);
    if (missing !== undefined) {
      deps.onStackMissing?.(missing.stack);
      telemetry.fail(missing.message, 'Image Unavailable');
      log.system(`[dockhand] ${missing.message}`);
      await settle('error', { msg: missing.message, error_class: 'Image Unavailable', end_time: new Date().toISOString() }, undefined, { missingStack: missing.stack });
      return { ran: false, reason: missing.message };
    }
    return fail(isDhError(err) ? err.message : `Could not ready the image: ${(err as Error).message}`, 'Image Unavailable', err);
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
    ...(telemetry.traceparent ? { traceparent: telemetry.traceparent } : {}),
    ...(deps.ociRuntime ? { runtime: deps.ociRuntime } : {}),
    // /run/dockhand is sized from the operator's caps (or this task's own bytes, if queued under larger ones).
    limits: {
      payloadMaxBytes: Math.max(ctx.settings.DOCKHAND_PAYLOAD_MAX_BYTES, Buffer.byteLength(task.payload)),
      configMaxBytes: Math.max(ctx.settings.DOCKHAND_CONFIG_MAX_BYTES, Buffer.byteLength(code.config ?? '')),
    },
  });

  if (code.network && deps.taskDns) spec.dns = deps.taskDns;
  // A network-enabled task runs only under the egress policy (or, on a node with DOCKHAND_EGRESS=off, visibly without one).
  let egress: TaskEgress = { policy: 'unfiltered', allowed: [], notes: [] };
  const admitEgress = async (handle: ContainerHandle): Promise<void> => {
    if (!deps.egress) return;
    egress = await deps.egress.admit({ name: spec.name, address: await handle.address() }, code.egress ?? []);
    for (const note of egress.notes) log.system(`[dockhand] ${note}`);
  };

  // Images Dockhand derived from custom ones take a plain tar and always run cold (docs/architecture.md).
  const warm = resolved.input === 'tar' ? undefined : deps.warmPool?.take(spec);
  telemetry.container({ name: spec.name, image: resolved.imageName ?? spec.image, warm: warm !== undefined, ...(deps.ociRuntime ? { runtime: deps.ociRuntime } : {}) });

  let outcome: AttemptOutcome;
  try {
    outcome = await runAttempt(deps.runtime, {
      spec,
      ...(warm ? { warm, startScript: startScript(spec) } : {}),
      ...(code.archive_sha256 ? { code: () => ctx.codeStore.get(code.archive_sha256!) } : {}),
      ...(resolved.input ? { inputFormat: resolved.input } : {}),
      payload: task.payload,
      ...(code.config !== undefined ? { config: code.config } : {}),
      timeoutMs: task.timeout * 1000,
      logCapBytes: LIMITS.logCapBytes,
      resultMaxBytes: LIMITS.resultMaxBytes,
      signal,
      ...(code.network ? { afterStart: admitEgress } : {}),
      onLog: (chunk) => log.write(chunk),
      onPhase: (phase, _at, detail) => {
        observeRunnerPhase(telemetry, phase, detail);
        if (phase === 'running') void deps.source.markRunning(held, new Date().toISOString()).catch(() => {});
      },
    });
  } catch (err) {
    const refusedLimits = isDhError(err) && err.code === 'DH_ERR_CONTAINER_LIMITS';
    return fail(isDhError(err) ? err.message : `The container could not be run: ${(err as Error).message}`, refusedLimits ? 'Container Limits' : 'Runtime Error', refusedLimits ? undefined : err);
  } finally {
    if (warm) deps.warmPool?.release(warm);
    if (code.network) await deps.egress?.release(spec.name);
  }

  // A container that died with its engine (dockerd stopping) ends as an error: not the task's fault.
  // A SIGTERM or SIGKILL death Dockhand did not cause (143, 137 without OOM) is what a stopping dockerd
  // does to its containers before its API goes away: watch the engine a few seconds to see it go.
  const signalled = (outcome.exitCode === 143 || outcome.exitCode === 137) && !outcome.oomKilled;
  const engineUnavailable = outcome.status === 'error' && (outcome.engineInterrupted === true || (await engineFailed(deps.runtime, { since: claimedAt, watchMs: signalled ? 4000 : 0 })));
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
      ...(code.network ? { egress_policy: egress.policy, ...(egress.allowed.length > 0 ? { egress_allowed: egress.allowed } : {}) } : {}),
    },
    outcome,
    { engineUnavailable },
  );
  return { ran: true, task, outcome, settled };
}

/** How long the engine has to answer a ping after a failed attempt before the failure is taken as the engine's. */
const ENGINE_PING_TIMEOUT_MS = 3000;
/** A failure this soon after the engine last did not answer is taken as the engine's (it is still coming back). */
const ENGINE_RECENT_MS = 10_000;
/** How often the engine is pinged while a signalled death is watched for a stopping dockerd. */
const ENGINE_WATCH_EVERY_MS = 200;

/**
 * Whether a failed attempt failed because the node's engine is unreachable: the error says so, or the
 * engine does not answer a ping now. `watchMs`: keep pinging that long, for a death by a signal Dockhand
 * did not send; a stopping dockerd signals its containers while its API still answers, and a quick
 * restart can be back before a single later ping, so one failed ping in the window is what tells.
 */
async function engineFailed(runtime: ContainerRuntime, options: { cause?: unknown; since: number; watchMs?: number }): Promise<boolean> {
  const { cause, since, watchMs = 0 } = options;
  if (isDhError(cause) && cause.code === 'DH_ERR_DOCKER_UNAVAILABLE') return true;
  if (cause !== undefined && isEngineTransient(cause)) return true;
  // The engine failed a call since the attempt began (or just before: a restart's first seconds answer errors).
  const recently = (): boolean => (runtime.lastUnreachableAt?.() ?? 0) >= since - ENGINE_RECENT_MS;
  if (recently()) return true;
  const until = performance.now() + watchMs;
  for (;;) {
    if (!(await answersPing(runtime)) || recently()) return true;
    if (performance.now() >= until) return false;
    await new Promise((resolve) => setTimeout(resolve, ENGINE_WATCH_EVERY_MS));
  }
}

async function answersPing(runtime: ContainerRuntime): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const slow = new Promise<'slow'>((resolve) => { timer = setTimeout(() => resolve('slow'), ENGINE_PING_TIMEOUT_MS); });
  try {
    return (await Promise.race([runtime.ping().then(() => 'ok' as const), slow])) === 'ok';
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
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

/** How the attempt ended, for its trace and metrics. */
/** The stack whose image this node lacks, when that is what `err` says (images.ts). */
function missingStackOf(err: unknown): { stack: string; message: string } | undefined {
  if (!isDhError(err) || err.code !== 'DH_ERR_STACK_NOT_BUILT') return undefined;
  const stack = (err.details as { stack?: unknown } | undefined)?.stack;
  return typeof stack === 'string' ? { stack, message: err.message } : undefined;
}

function attemptEnd(patch: TaskPatch, outcome: AttemptOutcome | undefined): AttemptEnd {
  if (outcome) return { durationMs: outcome.durationMs, exitCode: outcome.exitCode, msg: outcome.msg, errorClass: outcome.errorClass };
  return { ...(typeof patch.msg === 'string' ? { msg: patch.msg } : {}), ...(typeof patch.error_class === 'string' ? { errorClass: patch.error_class } : {}) };
}

function defaultTelemetry(deps: ExecuteDeps, held: HeldAttempt): AttemptTelemetry {
  const { ctx } = deps;
  const telemetry = AttemptTelemetry.begin({ telemetry: ctx.telemetry, metrics: ctx.metrics, logger: ctx.logger, nodeId: deps.nodeId }, { taskId: held.taskId, cluster: held.cluster, trace: held.trace });
  telemetry.phase('claim');
  return telemetry;
}
