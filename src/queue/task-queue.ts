/**
 * The producer side of the dispatch queue: one queue per cluster, with a ready set per constraint
 * signature ordered by rank (priority 2 before 1 before 0, then arrival), a delayed set for tasks
 * whose delay has not passed, and per code package a parked set for tasks that wait for room under
 * the package's max_concurrency or for its resume. Tasks themselves live in the TaskStore; the queue
 * holds ids. Worker nodes take tasks through `WorkSource` (work-source.ts).
 *
 *   await queue.enqueue({ taskId, cluster: 'default', constraints: { region: 'eu' }, delayMs: 0 });
 */
import type { Redis } from 'ioredis';
import { constraintSignature, type Labels } from '../core/fleet/constraints.ts';
import type { Keys } from '../store/redis/keys.ts';
import { runScript } from '../store/redis/scripts.ts';

export interface EnqueueRequest {
  taskId: string;
  cluster: string;
  constraints?: Labels;
  delayMs: number;
  /** W3C trace context of the enqueue, so the worker's spans join the same trace. */
  trace?: Record<string, string>;
}

export class TaskQueue {
  constructor(private readonly redis: Redis, private readonly keys: Keys) {}

  /** Puts a queued task (already in the TaskStore) into its cluster's queue and wakes the nodes. */
  async enqueue(request: EnqueueRequest): Promise<void> {
    const signature = constraintSignature(request.constraints);
    if (request.trace) await this.redis.hset(this.keys.task(request.taskId), 'q_trace', JSON.stringify(request.trace));
    await runScript(
      this.redis,
      'enqueueTask',
      [
        this.keys.task(request.taskId),
        this.keys.queueReady(request.cluster, signature),
        this.keys.queueDelayed(request.cluster),
        this.keys.queueSignatures(request.cluster),
        this.keys.queueSeq(),
        this.keys.queueClusters(),
      ],
      [request.taskId, Math.max(0, Math.round(request.delayMs)), signature, request.cluster],
    );
    await this.redis.publish(this.keys.workChannel(), request.cluster);
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
