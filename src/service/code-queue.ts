/**
 * Pausing and resuming a code package's queue (IronWorker's pause_task_queue / resume_task_queue):
 * while paused, its queued tasks stay queued and no node starts one; running tasks are not touched.
 * On resume, its waiting tasks go back to the queue in their original order, as far as the package's
 * max_concurrency has room.
 *
 *   await pauseCodeQueue(ctx, projectId, 'report');   // { name: 'report', paused: true, waiting: 12 }
 */
import type { AppContext } from './context.ts';
import { getCode } from './codes.ts';

export interface CodeQueueState {
  name: string;
  paused: boolean;
  /** Tasks held back by the pause or by max_concurrency. */
  waiting: number;
}

export async function pauseCodeQueue(ctx: AppContext, projectId: string, nameOrId: string): Promise<CodeQueueState> {
  const code = await getCode(ctx, projectId, nameOrId);
  await ctx.codes.setPaused(projectId, code.name, true);
  return { name: code.name, paused: true, waiting: await ctx.queue.parked(projectId, code.name) };
}

export async function resumeCodeQueue(ctx: AppContext, projectId: string, nameOrId: string): Promise<CodeQueueState> {
  const code = await getCode(ctx, projectId, nameOrId);
  await ctx.codes.setPaused(projectId, code.name, false);
  await ctx.queue.unpark(projectId, code.name);
  return { name: code.name, paused: false, waiting: await ctx.queue.parked(projectId, code.name) };
}

export async function codeQueueState(ctx: AppContext, projectId: string, nameOrId: string): Promise<CodeQueueState> {
  const code = await getCode(ctx, projectId, nameOrId);
  return { name: code.name, paused: await ctx.codes.isPaused(projectId, code.name), waiting: await ctx.queue.parked(projectId, code.name) };
}
