/**
 * The retention sweep: what keeps Redis and the code store from growing without bound. Finished tasks
 * (record, attempt history, log, trace, index entries), schedule history entries and ended schedules
 * older than DOCKHAND_TASK_RETENTION_DAYS are forgotten; code archives no revision references are
 * deleted after a grace period. Every server runs it on a timer (roles/maintenance-loop.ts); a lock
 * in Redis lets one server per interval do the work. Each step is idempotent, so two sweeps that
 * overlap (a lock that lapsed mid-sweep) only repeat reads.
 *
 *   const report = await sweepRetention(ctx, Date.now());
 */
import { planArchiveCollection } from '../core/retention/archive-collection.ts';
import { retentionCutoffMs } from '../core/retention/task-expiry.ts';
import { RedisRetention } from '../store/redis/redis-retention.ts';
import type { AppContext } from './context.ts';

export interface SweepReport {
  tasks: number;
  firings: number;
  schedules: number;
  archives: number;
  archiveBytes: number;
}

type SweepContext = Pick<AppContext, 'redis' | 'keys' | 'settings' | 'projects' | 'schedules' | 'codes' | 'codeStore'>;

export async function sweepRetention(ctx: SweepContext, nowMs: number): Promise<SweepReport> {
  const retention = new RedisRetention(ctx.redis, ctx.keys);
  const cutoff = retentionCutoffMs(nowMs, ctx.settings.DOCKHAND_TASK_RETENTION_DAYS);
  const report: SweepReport = { tasks: 0, firings: 0, schedules: 0, archives: 0, archiveBytes: 0 };
  for (const project of await ctx.projects.list()) {
    report.tasks += await retention.expireTasks(project.id, cutoff);
    report.firings += await retention.trimScheduleHistories(project.id, cutoff);
    for (const id of await retention.endedSchedulesBefore(project.id, cutoff)) {
      if (await ctx.schedules.delete(id)) report.schedules += 1;
    }
  }
  // Listed before the revisions are read: an archive stored after the listing is not considered, and
  // one stored before it is either referenced by now or within its grace period.
  const stored = await ctx.codeStore.list();
  const plan = planArchiveCollection(stored, await ctx.codes.archiveDigests(), nowMs);
  for (const archive of plan.remove) {
    await ctx.codeStore.delete(archive.sha256);
    report.archives += 1;
    report.archiveBytes += archive.size;
  }
  return report;
}

/** One sweep if this server wins this interval's lock; undefined when another server has it. */
export async function sweepIfDue(ctx: SweepContext, holder: string, intervalMs: number, nowMs: number): Promise<SweepReport | undefined> {
  if (!(await new RedisRetention(ctx.redis, ctx.keys).acquireSweep(holder, intervalMs))) return undefined;
  return sweepRetention(ctx, nowMs);
}
