/**
 * The producer side of the dispatch queue: one queue per cluster, with a ready set per constraint
 * signature ordered by rank (priority 2 before 1 before 0, then arrival), a delayed set for tasks
 * whose delay has not passed, and per code package a parked set for tasks that wait for room under
 * the package's max_concurrency or for its resume. Tasks themselves live in the TaskStore; the queue
 * holds ids. Worker nodes take tasks through `WorkSource` (work-source.ts).
 *
 *   const [created] = await queue.queueNew([{ task: newTaskRecord, trace: send.carrier }]);
 */
import type { Redis } from 'ioredis';
import { constraintSignature } from '../core/fleet/constraints.ts';
import type { Task } from '../core/model.ts';
import type { NewTask } from '../store/ports.ts';
import type { Keys } from '../store/redis/keys.ts';
import { runScript } from '../store/redis/scripts.ts';
import { encodeTaskFields } from '../store/redis/task-codec.ts';

/** A task to record and queue in one step. */
export interface NewQueuedTask {
  task: NewTask;
  /** W3C trace context of the enqueue, so the worker's spans join the same trace. */
  trace?: Record<string, string>;
}

export class TaskQueue {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Records each task as `queued` and puts it in its cluster's queue, all in one script call
   * (queue-tasks.lua): the whole list is written or, if the call never reaches Redis, none of it.
   * A task whose id exists is left as it is. Returns, per task in order, the record this call wrote,
   * or undefined where the id existed.
   */
  async queueNew(entries: readonly NewQueuedTask[]): Promise<(Task | undefined)[]> {
    if (entries.length === 0) return [];
    const updatedAt = this.clock().toISOString();
    const keys = [this.keys.queueSeq(), this.keys.queueClusters()];
    const args: (string | number)[] = [];
    const clusters = new Set<string>();
    const records: Task[] = [];
    for (const { task, trace } of entries) {
      const record: Task = { ...task, status: 'queued', attempts: 0, updated_at: updatedAt };
      records.push(record);
      const signature = constraintSignature(task.constraints);
      keys.push(
        this.keys.task(task.id),
        this.keys.tasks(task.project_id),
        this.keys.tasksByStatus(task.project_id, 'queued'),
        this.keys.tasksByCode(task.project_id, task.code_name),
        this.keys.queueReady(task.cluster, signature),
        this.keys.queueDelayed(task.cluster),
        this.keys.queueSignatures(task.cluster),
      );
      const fields = encodeTaskFields({ ...record });
      args.push(task.id, Date.parse(task.created_at), Math.max(0, Math.round(task.delay * 1000)), signature, task.cluster, trace ? JSON.stringify(trace) : '', fields.length, ...fields);
      clusters.add(task.cluster);
    }
    const created = (await runScript(this.redis, 'queueTasks', keys, args)) as number[];
    // Only a wake-up: a node that misses it finds the tasks on its next poll.
    for (const cluster of clusters) await this.redis.publish(this.keys.workChannel(), cluster);
    return created.map((flag, i) => (Number(flag) === 1 ? records[i] : undefined));
  }

  /** Takes a task out of the queue wherever it waits (ready, delayed or parked). */
  async remove(taskId: string, cluster: string): Promise<boolean> {
    const [readyKey, projectId, codeName] = await this.redis.hmget(this.keys.task(taskId), 'q_key', 'project_id', 'code_name');
    const multi = this.redis.multi().zrem(this.keys.queueDelayed(cluster), taskId);
    if (readyKey) multi.zrem(readyKey, taskId);
    if (projectId && codeName) multi.zrem(this.keys.codeParked(projectId, codeName), taskId);
    const replies = (await multi.exec()) ?? [];
    return replies.some(([, removed]) => Number(removed) > 0);
  }

  /** Tasks of the cluster waiting to run: ready (any signature) and delayed. */
  async depth(cluster: string): Promise<number> {
    const signatures = await this.redis.smembers(this.keys.queueSignatures(cluster));
    const pipeline = this.redis.pipeline().zcard(this.keys.queueDelayed(cluster));
    for (const signature of signatures) pipeline.zcard(this.keys.queueReady(cluster, signature));
    const replies = (await pipeline.exec()) ?? [];
    return replies.reduce((sum, [, count]) => sum + Number(count ?? 0), 0);
  }

  /** Every cluster that has had a task queued. */
  async clusters(): Promise<string[]> {
    return (await this.redis.smembers(this.keys.queueClusters())).sort();
  }

  /** Tasks of a code package parked until it has room (or is resumed). */
  async parked(projectId: string, codeName: string): Promise<number> {
    return this.redis.zcard(this.keys.codeParked(projectId, codeName));
  }

  /** Returns parked tasks of a package to the queue as far as its limit allows (after a resume). */
  async unpark(projectId: string, codeName: string): Promise<number> {
    const moved = Number(await runScript(this.redis, 'unparkCode', [this.keys.code(projectId, codeName)], [this.keys.prefix, 10_000]));
    if (moved > 0) await this.redis.publish(this.keys.workChannel(), '*');
    return moved;
  }
}
