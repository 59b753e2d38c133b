/**
 * Schedulers for integration tests: several process contexts (each its own Redis connections, as
 * separate servers would have) on one unique key prefix, a project, code packages registered without
 * a worker (their tasks stay queued, which is all a firing needs), and schedulers to start and stop
 * at will. `stop()` stops every scheduler and removes every key under the prefix.
 *
 *   const fleet = await startSchedulerContexts(3);
 *   await fleet.addCode('tick');
 *   const a = await fleet.startScheduler(0, { lateToleranceMs: 30_000 });
 */
import { randomBytes } from 'node:crypto';
import { parseSettings } from '../../src/core/settings.ts';
import { Scheduler, type SchedulerOptions } from '../../src/scheduler/scheduler.ts';
import { createContext, type AppContext } from '../../src/service/context.ts';
import { addTestRevision } from './code-revision.ts';

export interface SchedulerContexts {
  prefix: string;
  contexts: AppContext[];
  projectId: string;
  /** The first context, for creating schedules and reading records. */
  ctx: AppContext;
  addCode(name: string): Promise<void>;
  startScheduler(index: number, options?: Partial<SchedulerOptions>): Promise<Scheduler>;
  /** Stops every scheduler started so far (records stay, for assertions). */
  stopSchedulers(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSchedulerContexts(count: number, env: Record<string, string> = {}): Promise<SchedulerContexts> {
  const prefix = `dhtest:${randomBytes(4).toString('hex')}:`;
  const settings = parseSettings({ ...process.env, DOCKHAND_REDIS_PREFIX: prefix, DOCKHAND_LOG_LEVEL: 'fatal', ...env });
  const contexts: AppContext[] = [];
  for (let i = 0; i < count; i++) contexts.push(await createContext(settings));
  const ctx = contexts[0]!;
  const { project } = await ctx.projects.create('schedules');
  const schedulers: Scheduler[] = [];
  return {
    prefix,
    contexts,
    projectId: project.id,
    ctx,
    async addCode(name: string) {
      await addTestRevision(ctx, project.id, name);
    },
    async startScheduler(index: number, options: Partial<SchedulerOptions> = {}) {
      const scheduler = new Scheduler(contexts[index]!, { lateToleranceMs: 30_000, ...options });
      await scheduler.start();
      schedulers.push(scheduler);
      return scheduler;
    },
    async stopSchedulers() {
      await Promise.all(schedulers.map((s) => s.stop()));
    },
    async stop() {
      await Promise.all(schedulers.map((s) => s.stop()));
      const keys = await ctx.redis.keys(`${prefix}*`);
      for (let i = 0; i < keys.length; i += 500) await ctx.redis.del(...keys.slice(i, i + 500));
      for (const c of contexts) await c.close();
    },
  };
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 15_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Sleeps until the wall clock reads `instantMs`. */
export function sleepUntil(instantMs: number): Promise<void> {
  return sleep(Math.max(0, instantMs - Date.now()));
}
