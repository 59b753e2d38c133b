/**
 * Task use cases shared by every front door (native API, IronWorker API, schedules): queue, read,
 * cancel, retry and wait. Each checks the project scope first: another project's task is "not found".
 */
import { DhError } from '../core/errors.ts';
import { waitReason } from '../core/fleet/wait-reason.ts';
import type { Task } from '../core/model.ts';
import type { Progress } from '../core/schemas/progress.ts';
import { FINISHED_STATUSES, isFinished, type TaskStatus } from '../core/task-status.ts';
import { remoteSpanContext, carrierOf } from '../telemetry/trace-context.ts';
import type { AppContext } from './context.ts';

export { payloadText, queueTask, queueTasks, type QueueOptions } from './queue-tasks.ts';
import { queueTask } from './queue-tasks.ts';
import { packageStack } from '../core/package-stack.ts';

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
  const [nodes, paused, code] = await Promise.all([
    ctx.nodes.list(),
    ctx.codes.isPaused(task.project_id, task.code_name),
    ctx.codes.revision(task.project_id, task.code_name, task.code_rev),
  ]);
  const stack = code ? packageStack(code) : undefined;
  const reason = waitReason({ ...task, ...(stack !== undefined ? { stack } : {}) }, nodes, { name: task.code_name, paused });
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
