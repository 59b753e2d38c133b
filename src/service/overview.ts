/**
 * The overview of a project over the last `minutes` (at most a day): per minute, tasks finished by
 * outcome, queue depth and waits (core/overview/series.ts), from the task records. It reads the tasks
 * created in the window and as long again before it (a task created earlier may finish or wait in the
 * window), plus every task still queued, at most OVERVIEW_TASK_CAP of them; `truncated` says when the
 * cap cut the reading short, so a chart never passes off a partial count as whole.
 */
import { overviewSeries, type OverviewMinute } from '../core/overview/series.ts';
import type { Task } from '../core/model.ts';
import type { AppContext } from './context.ts';

export const OVERVIEW_TASK_CAP = 20_000;

export interface Overview {
  from: string;
  to: string;
  minutes: OverviewMinute[];
  tasks_read: number;
  truncated: boolean;
}

export async function projectOverview(ctx: AppContext, projectId: string, minutes: number, nowMs: number = Date.now()): Promise<Overview> {
  const windowMs = minutes * 60_000;
  const recent = await ctx.tasks.list(projectId, { from: nowMs - 2 * windowMs, to: nowMs, limit: OVERVIEW_TASK_CAP });
  const waiting = await ctx.tasks.list(projectId, { status: ['queued'], limit: OVERVIEW_TASK_CAP });
  const byId = new Map<string, Task>();
  for (const task of [...recent, ...waiting]) byId.set(task.id, task);
  return {
    from: new Date(nowMs - windowMs).toISOString(),
    to: new Date(nowMs).toISOString(),
    minutes: overviewSeries([...byId.values()], nowMs, minutes),
    tasks_read: byId.size,
    truncated: recent.length >= OVERVIEW_TASK_CAP || waiting.length >= OVERVIEW_TASK_CAP,
  };
}
