/**
 * Bulk cancel and retry over a selection of tasks (ids, or a list filter): each task goes through the
 * same cancelTask / retryTask as a single request, one after another, so every rule (what may be
 * cancelled, what may be retried, the queue removal, the cancel notice) has one home. A task the rule
 * refuses is reported as skipped with the reason, not as a failure of the whole request.
 *
 *   await bulkCancel(ctx, project.id, { status: ['queued'], code: 'hello' });
 *   // { selected: 12, done: ['...'], skipped: [{ id, reason }] }
 */
import { DhError } from '../core/errors.ts';
import type { Task } from '../core/model.ts';
import { BULK_MAX, type TaskSelection } from '../core/schemas/task-selection.ts';
import { isFinished } from '../core/task-status.ts';
import type { AppContext } from './context.ts';
import { cancelTask, getTask, retryTask } from './tasks.ts';

export interface BulkOutcome {
  selected: number;
  /** Ids acted on; for a retry, the ids of the new tasks. */
  done: string[];
  skipped: { id: string; reason: string }[];
}

async function selectTasks(ctx: AppContext, projectId: string, selection: TaskSelection): Promise<Task[]> {
  if ('ids' in selection) {
    const tasks: Task[] = [];
    for (const id of new Set(selection.ids)) tasks.push(await getTask(ctx, projectId, id));
    return tasks;
  }
  return ctx.tasks.list(projectId, {
    limit: selection.limit ?? BULK_MAX,
    ...(selection.status?.length ? { status: selection.status } : {}),
    ...(selection.code !== undefined ? { codeName: selection.code } : {}),
    ...(selection.cluster !== undefined ? { cluster: selection.cluster } : {}),
    ...(selection.from !== undefined ? { from: selection.from } : {}),
    ...(selection.to !== undefined ? { to: selection.to } : {}),
  });
}

async function eachTask(tasks: Task[], act: (task: Task) => Promise<string>): Promise<BulkOutcome> {
  const outcome: BulkOutcome = { selected: tasks.length, done: [], skipped: [] };
  for (const task of tasks) {
    try {
      outcome.done.push(await act(task));
    } catch (err) {
      if (!(err instanceof DhError)) throw err;
      outcome.skipped.push({ id: task.id, reason: err.message });
    }
  }
  return outcome;
}

export async function bulkCancel(ctx: AppContext, projectId: string, selection: TaskSelection): Promise<BulkOutcome> {
  const tasks = await selectTasks(ctx, projectId, selection);
  return eachTask(tasks, async (task) => (await cancelTask(ctx, projectId, task.id)).id);
}

/** Retries the finished tasks of the selection; unfinished ones are skipped, as a single retry refuses them. */
export async function bulkRetry(ctx: AppContext, projectId: string, selection: TaskSelection): Promise<BulkOutcome> {
  const tasks = await selectTasks(ctx, projectId, selection);
  return eachTask(tasks, async (task) => {
    if (!isFinished(task.status)) throw new DhError('DH_ERR_TASK_NOT_FINISHED', `Task ${task.id} is still ${task.status}.`);
    return (await retryTask(ctx, projectId, task.id)).id;
  });
}
