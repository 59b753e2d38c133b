/**
 * The Redis side of the retention sweep (src/service/maintenance.ts): finds finished tasks whose
 * retention passed and forgets each one with the `expire-task` script (record, attempt history, log,
 * trace and index entries in one step); trims schedule histories by age. Index entries whose task
 * record is gone (deleted by hand, or by a Redis at maxmemory with an evicting policy) are removed
 * as they are met, so the indexes shrink with the records. Which task has expired is the pure rule
 * in core/retention.
 *
 *   const retention = new RedisRetention(redis, keys);
 *   const forgotten = await retention.expireTasks(projectId, cutoffMs);
 */
import type { Redis } from 'ioredis';
import { isTaskExpired } from '../../core/retention/task-expiry.ts';
import { FINISHED_STATUSES, type TaskStatus } from '../../core/task-status.ts';
import type { Keys } from './keys.ts';
import { runScript } from './scripts.ts';

const BATCH = 500;
const FIELDS = ['status', 'updated_at', 'end_time', 'code_name', 'trace_id'] as const;

export class RedisRetention {
  constructor(private readonly redis: Redis, private readonly keys: Keys) {}

  /**
   * Takes the fleet-wide sweep lock for `ttlMs` unless another server holds it. Never released: it
   * lapses, so the fleet sweeps at most once per interval however many servers run, and a server that
   * died mid-sweep only delays the next one.
   */
  async acquireSweep(holder: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.keys.maintenanceLock(), holder, 'PX', ttlMs, 'NX')) === 'OK';
  }

  /**
   * Forgets the project's tasks that finished before `cutoffMs`. The status indexes are scored by
   * creation time, which is never after the finish, so only entries created before the cutoff are read.
   * Returns how many tasks were forgotten.
   */
  async expireTasks(projectId: string, cutoffMs: number): Promise<number> {
    let forgotten = 0;
    for (const status of FINISHED_STATUSES) {
      const index = this.keys.tasksByStatus(projectId, status);
      // Entries that stay (finished after the cutoff) are skipped by offset; removed ones shift the rest.
      for (let offset = 0; ;) {
        const ids = await this.redis.zrangebyscore(index, '-inf', cutoffMs, 'LIMIT', offset, BATCH);
        if (ids.length === 0) break;
        const pipeline = this.redis.pipeline();
        for (const id of ids) pipeline.hmget(this.keys.task(id), ...FIELDS);
        const rows = (await pipeline.exec()) ?? [];
        for (const [i, id] of ids.entries()) {
          const [current, updatedAt, endTime, codeName, traceId] = (rows[i]?.[1] ?? []) as (string | null)[];
          if (!current) {
            await this.dropDangling(projectId, id);
          } else if (current === status && isTaskExpired({ status, updated_at: updatedAt ?? '', end_time: endTime ?? undefined }, cutoffMs)) {
            forgotten += await this.expireTask(projectId, id, status, codeName ?? '', traceId ?? '');
          } else {
            offset += 1;
          }
        }
        if (ids.length < BATCH) break;
      }
    }
    // The index of all tasks may hold entries of records gone by other means; created before the
    // cutoff and without a record, they can be dropped.
    for (let offset = 0; ;) {
      const ids = await this.redis.zrangebyscore(this.keys.tasks(projectId), '-inf', cutoffMs, 'LIMIT', offset, BATCH);
      if (ids.length === 0) break;
      const pipeline = this.redis.pipeline();
      for (const id of ids) pipeline.exists(this.keys.task(id));
      const rows = (await pipeline.exec()) ?? [];
      for (const [i, id] of ids.entries()) {
        if (rows[i]?.[1] === 0) await this.dropDangling(projectId, id);
        else offset += 1;
      }
      if (ids.length < BATCH) break;
    }
    return forgotten;
  }

  private async expireTask(projectId: string, id: string, status: TaskStatus, codeName: string, traceId: string): Promise<number> {
    const traceKeys = traceId ? [this.keys.traceSpans(traceId), this.keys.traceMeta(traceId)] : [this.keys.log(id), this.keys.log(id)];
    return Number(await runScript(this.redis, 'expireTask', [
      this.keys.task(id),
      this.keys.tasks(projectId),
      this.keys.tasksByStatus(projectId, status),
      this.keys.tasksByCode(projectId, codeName),
      this.keys.log(id),
      this.keys.logBytes(id),
      ...traceKeys,
    ], [id, status]));
  }

  /**
   * An index entry with no record behind it: removed from every index of the project it may be in
   * (the record named its package, so every package's index is tried).
   */
  private async dropDangling(projectId: string, id: string): Promise<void> {
    const pipeline = this.redis.pipeline().zrem(this.keys.tasks(projectId), id);
    for (const index of this.keys.allStatusIndexes(projectId)) pipeline.zrem(index, id);
    for (const name of await this.redis.zrange(this.keys.codes(projectId), 0, -1)) pipeline.zrem(this.keys.tasksByCode(projectId, name), id);
    await pipeline.exec();
  }

  /** Drops history entries of the project's schedules for occurrences before `cutoffMs`. Returns how many. */
  async trimScheduleHistories(projectId: string, cutoffMs: number): Promise<number> {
    let removed = 0;
    for (let start = 0; ; start += BATCH) {
      const ids = await this.redis.zrange(this.keys.schedules(projectId), start, start + BATCH - 1);
      if (ids.length === 0) break;
      const pipeline = this.redis.pipeline();
      for (const id of ids) pipeline.zremrangebyscore(this.keys.scheduleHistory(id), '-inf', `(${cutoffMs}`);
      for (const [, count] of (await pipeline.exec()) ?? []) removed += Number(count ?? 0);
      if (ids.length < BATCH) break;
    }
    return removed;
  }

  /** Schedules of the project that ended (complete or cancelled) before `cutoffMs`: whole records to forget. */
  async endedSchedulesBefore(projectId: string, cutoffMs: number): Promise<string[]> {
    const ended: string[] = [];
    for (let start = 0; ; start += BATCH) {
      const ids = await this.redis.zrange(this.keys.schedules(projectId), start, start + BATCH - 1);
      if (ids.length === 0) break;
      const pipeline = this.redis.pipeline();
      for (const id of ids) pipeline.hmget(this.keys.schedule(id), 'status', 'updated_at');
      const rows = (await pipeline.exec()) ?? [];
      for (const [i, id] of ids.entries()) {
        const [status, updatedAt] = (rows[i]?.[1] ?? []) as (string | null)[];
        if ((status === 'complete' || status === 'cancelled') && Date.parse(updatedAt ?? '') < cutoffMs) ended.push(id);
      }
      if (ids.length < BATCH) break;
    }
    return ended;
  }
}
