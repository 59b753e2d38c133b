/**
 * Task use cases shared by every front door (native API, IronWorker API, schedules): queue, read,
 * cancel, retry and wait. Each checks the project scope first: another project's task is "not found".
 */
import { waitForReplicas } from '../store/redis/connection/replication.ts';
import { DhError } from '../core/errors.ts';
import { checkConstraints } from '../core/fleet/constraints.ts';
import { waitReason } from '../core/fleet/wait-reason.ts';
import { newId } from '../core/ids.ts';
import type { Task } from '../core/model.ts';
import type { Progress } from '../core/schemas/progress.ts';
import type { TaskRequest } from '../core/schemas/task-request.ts';
import { FINISHED_STATUSES, isFinished, type TaskStatus } from '../core/task-status.ts';
import { startEnqueueSpan } from '../telemetry/enqueue-span.ts';
import { remoteSpanContext, carrierOf } from '../telemetry/trace-context.ts';
import type { AppContext } from './context.ts';

export interface QueueOptions {
  scheduleId?: string;
  /**
   * Use this id instead of a new one. Queueing is then idempotent: if the task exists it is returned
   * as it is, and enqueued again only while still `queued` (the queue de-duplicates by task id).
   */
  taskId?: string;
  retryOf?: string;
  /** W3C trace context of the caller (`traceparent`, `tracestate`): the task's trace continues it. */
  trace?: Record<string, string>;
  /** Trace id to start the task's trace with when there is no caller context. */
  traceId?: string;
  /** W3C contexts the task's trace links to (the batch request it came in, the task it retries). */
  links?: Record<string, string>[];
}

export function payloadText(payload: unknown): string {
  if (payload === undefined || payload === null) return '';
  return typeof payload === 'string' ? payload : JSON.stringify(payload);
}

export async function queueTask(ctx: AppContext, projectId: string, request: TaskRequest, options: QueueOptions = {}): Promise<Task> {
  const code = await ctx.codes.current(projectId, request.code_name);
  if (!code) {
    throw new DhError('DH_ERR_CODE_NOT_FOUND', `No code package named "${request.code_name}" in this project; upload it first with \`dockhand code upload <dir> --name ${request.code_name} --stack <stack>\`.`);
  }
  const payload = payloadText(request.payload);
  const payloadMax = ctx.settings.DOCKHAND_PAYLOAD_MAX_BYTES;
  if (Buffer.byteLength(payload) > payloadMax) {
    throw new DhError('DH_ERR_PAYLOAD_TOO_LARGE', `The payload is ${Buffer.byteLength(payload)} bytes; the limit is ${payloadMax} bytes (DOCKHAND_PAYLOAD_MAX_BYTES). Store large inputs elsewhere and pass a reference.`, { field: 'payload', limit: payloadMax });
  }
  const constraints = request.constraints && Object.keys(request.constraints).length > 0 ? checkConstraints(request.constraints) : undefined;
  const now = new Date();
  // The enqueue span: its trace is the task's, and its context travels with the queued task.
  const send = startEnqueueSpan(ctx.telemetry, { request, codeName: code.name, projectId, priority: request.priority ?? code.default_priority, options });
  const { task, created } = await ctx.tasks.createIfAbsent({
    id: options.taskId ?? newId(now.getTime()),
    project_id: projectId,
    code_name: code.name,
    code_id: code.id,
    code_rev: code.rev,
    priority: request.priority ?? code.default_priority,
    timeout: request.timeout ?? code.timeout,
    delay: request.delay ?? 0,
    cluster: request.cluster ?? 'default',
    ...(request.label !== undefined ? { label: request.label } : {}),
    ...(constraints ? { constraints } : {}),
    memory: code.memory,
    retries: request.retries ?? code.retries,
    retries_delay: request.retries_delay ?? code.retries_delay,
    payload,
    created_at: now.toISOString(),
    queued_at: now.toISOString(),
    ...(options.scheduleId ? { schedule_id: options.scheduleId } : {}),
    ...(options.retryOf ? { retry_of: options.retryOf } : {}),
    trace_id: send.traceId,
  }).catch(send.failed);
  // A task created earlier (a firing completed a second time) was enqueued then, unless its creator
  // died in between; while it is still queued, adding its job again is a no-op or that missing step.
  if (!created && task.status !== 'queued') return task;
  await ctx.queue.enqueue({
    taskId: task.id,
    cluster: task.cluster,
    ...(constraints ? { constraints } : {}),
    delayMs: task.delay * 1000,
    // A task queued before keeps its own trace; its attempt spans start from its trace id.
    ...(created ? { trace: send.carrier } : {}),
  }).catch(send.failed);
  await waitForReplicas(ctx.redis, ctx.settings.DOCKHAND_REDIS_WAIT_REPLICAS, ctx.settings.DOCKHAND_REDIS_WAIT_TIMEOUT_MS, `task ${task.id}`).catch(send.failed);
  if (created) {
    send.succeeded(task);
    ctx.metrics.taskEntered('queued', task.code_name);
  }
  return task;
}

export async function getTask(ctx: AppContext, projectId: string, taskId: string): Promise<Task> {
  const task = /^[0-9a-f]{24}$/.test(taskId) ? await ctx.tasks.get(taskId) : undefined;
  if (!task || task.project_id !== projectId) {
    throw new DhError('DH_ERR_TASK_NOT_FOUND', `No task with id "${taskId}" in this project.`);
  }
  return task;
}

/**
 * The task as shown to a reader: with `wait_reason` while it is queued and no node can start it. Only
 * where a person or script reads the task; the paths that act on it use getTask and skip the reads.
 */
export async function showTask(ctx: AppContext, projectId: string, taskId: string): Promise<Task> {
  return withWaitReason(ctx, await getTask(ctx, projectId, taskId));
}

async function withWaitReason(ctx: AppContext, task: Task): Promise<Task> {
  if (task.status !== 'queued') return task;
  const [nodes, paused] = await Promise.all([ctx.nodes.list(), ctx.codes.isPaused(task.project_id, task.code_name)]);
  const reason = waitReason(task, nodes, { name: task.code_name, paused });
  return reason ? { ...task, wait_reason: reason } : task;
}

const CANCELLABLE: readonly TaskStatus[] = ['queued', 'preparing', 'running'];

/** Cancels a task that has not finished. A queued task leaves the queue; a running one is killed by its node. */
export async function cancelTask(ctx: AppContext, projectId: string, taskId: string): Promise<Task> {
  const task = await getTask(ctx, projectId, taskId);
  const now = new Date().toISOString();
  const result = await ctx.tasks.transition(task.id, CANCELLABLE, 'cancelled', { end_time: now, msg: 'Cancelled by request.' });
  if (!result.applied) {
    throw new DhError('DH_ERR_TASK_FINISHED', `Task ${task.id} has already finished (${result.current ?? 'unknown'}); there is nothing to cancel.`);
  }
  ctx.metrics.taskEntered('cancelled', task.code_name);
  if (result.previous === 'queued') await ctx.queue.remove(task.id, task.cluster);
  else await ctx.events.publishCancel(task.id);
  await ctx.events.publishFinished(task.id);
  return (await ctx.tasks.get(task.id)) ?? task;
}

/**
 * Queues a finished task again as a new task whose `retry_of` names the original. The new task has
 * its own trace (the caller's, given in `trace`), linked to the original's last attempt.
 */
export async function retryTask(ctx: AppContext, projectId: string, taskId: string, delay?: number, trace?: Record<string, string>): Promise<Task> {
  const task = await getTask(ctx, projectId, taskId);
  if (!isFinished(task.status)) {
    throw new DhError('DH_ERR_TASK_NOT_FINISHED', `Task ${task.id} is still ${task.status}; only a finished task can be retried.`);
  }
  const previousSpan = task.attempts > 0 ? await ctx.telemetry.store.attemptSpan(task.trace_id, task.attempts).catch(() => undefined) : undefined;
  const links = previousSpan ? [carrierOf(remoteSpanContext(task.trace_id, previousSpan))] : [];
  return queueTask(
    ctx,
    projectId,
    {
      code_name: task.code_name,
      payload: task.payload,
      priority: task.priority,
      timeout: task.timeout,
      delay: delay ?? 0,
      cluster: task.cluster,
      ...(task.label !== undefined ? { label: task.label } : {}),
      ...(task.constraints !== undefined ? { constraints: task.constraints } : {}),
      ...(task.retries !== undefined ? { retries: task.retries } : {}),
      ...(task.retries_delay !== undefined ? { retries_delay: task.retries_delay } : {}),
    },
    { retryOf: task.id, links, ...(trace ? { trace } : {}) },
  );
}

/** Cancels every task of a code package that has not finished; returns how many were cancelled. */
export async function cancelCodeTasks(ctx: AppContext, projectId: string, codeName: string): Promise<number> {
  let cancelled = 0;
  // Each round lists what is still unfinished; a task that finished meanwhile simply drops out.
  for (let round = 0; round < 100; round++) {
    const open = await ctx.tasks.list(projectId, { codeName, status: [...CANCELLABLE], limit: 500 });
    if (open.length === 0) break;
    let progressed = false;
    for (const task of open) {
      try {
        await cancelTask(ctx, projectId, task.id);
        cancelled += 1;
        progressed = true;
      } catch (err) {
        if (!(err instanceof DhError && err.code === 'DH_ERR_TASK_FINISHED')) throw err;
        progressed = true;
      }
    }
    if (!progressed) break;
  }
  return cancelled;
}

/** Records a running task's progress (`percent`, `msg`); a finished task's progress is final. */
export async function reportProgress(ctx: AppContext, projectId: string, taskId: string, progress: Progress, source: 'api' | 'line' = 'api'): Promise<Task> {
  const task = await getTask(ctx, projectId, taskId);
  const updated = await ctx.tasks.update(task.id, { percent: progress.percent, ...(progress.msg !== undefined ? { msg: progress.msg } : {}) });
  if (!updated) {
    const current = (await ctx.tasks.get(task.id)) ?? task;
    throw new DhError('DH_ERR_TASK_FINISHED', `Task ${task.id} has already finished (${current.status}); its progress can no longer change.`);
  }
  ctx.metrics.progressUpdates.inc({ source });
  return (await ctx.tasks.get(task.id)) ?? task;
}

/** Resolves when the task has finished, or with its current state after `timeoutMs`. */
export async function waitForTask(ctx: AppContext, projectId: string, taskId: string, timeoutMs: number): Promise<Task> {
  const first = await getTask(ctx, projectId, taskId);
  if (isFinished(first.status)) return first;
  if (timeoutMs <= 0) return withWaitReason(ctx, first);
  let wake: () => void = () => {};
  const unsubscribe = await ctx.events.onFinished((id) => { if (id === taskId) wake(); });
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const task = await getTask(ctx, projectId, taskId);
      const remaining = deadline - Date.now();
      if (isFinished(task.status)) return task;
      if (remaining <= 0) return withWaitReason(ctx, task);
      // The notice makes this prompt; the periodic re-check covers a notice lost on a reconnect.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(remaining, 2000));
        wake = () => { clearTimeout(timer); resolve(); };
      });
    }
  } finally {
    unsubscribe();
  }
}

export { FINISHED_STATUSES };
