/**
 * The producer side of the task queues: one BullMQ queue per cluster. A job carries only ids and the
 * W3C trace context; the task itself lives in the TaskStore.
 *
 *   await queue.enqueue({ taskId, cluster: 'default', priority: 2, delayMs: 0 });
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Priority } from '../core/limits.ts';
import { bullPriority, taskQueueName } from './priority.ts';

export interface TaskJobData {
  taskId: string;
  /**
   * W3C trace context (`traceparent`, `tracestate`) of the enqueue span, so the worker's spans join
   * the task's trace; carried in the job data the way bullmq-otel carries it in job metadata.
   */
  trace?: Record<string, string>;
}

export interface EnqueueRequest {
  taskId: string;
  cluster: string;
  priority: Priority;
  delayMs: number;
  /** Distinguishes re-queues of one task (retries, drains) as separate jobs. */
  jobSuffix?: string;
  trace?: Record<string, string>;
}

export class TaskQueue {
  private readonly queues = new Map<string, Queue<TaskJobData>>();

  /** `clustersKey`: a Redis set of every cluster that has had a queue, so metrics can list them. */
  constructor(private readonly connection: Redis, private readonly prefix: string, private readonly clustersKey = `${prefix}:clusters`) {}

  queue(cluster: string): Queue<TaskJobData> {
    let queue = this.queues.get(cluster);
    if (!queue) {
      queue = new Queue<TaskJobData>(taskQueueName(cluster), { connection: this.connection, prefix: this.prefix });
      this.queues.set(cluster, queue);
      // Once per cluster and process; losing it only hides a depth from the metrics until the next one.
      this.connection.sadd(this.clustersKey, cluster).catch(() => undefined);
    }
    return queue;
  }

  /** Every cluster that has had a queue (on any server or worker). */
  async clusters(): Promise<string[]> {
    return (await this.connection.smembers(this.clustersKey)).sort();
  }

  async enqueue(request: EnqueueRequest): Promise<void> {
    const data: TaskJobData = request.trace ? { taskId: request.taskId, trace: request.trace } : { taskId: request.taskId };
    await this.queue(request.cluster).add('task', data, {
      jobId: request.jobSuffix ? `${request.taskId}-${request.jobSuffix}` : request.taskId,
      priority: bullPriority(request.priority),
      delay: request.delayMs,
      removeOnComplete: true,
      removeOnFail: 1000,
      attempts: 1,
    });
  }

  /** Removes a job that has not been claimed yet; a job already active is left to the worker. */
  async remove(taskId: string, cluster: string): Promise<boolean> {
    const job = await this.queue(cluster).getJob(taskId);
    if (!job) return false;
    try {
      await job.remove();
      return true;
    } catch {
      return false;
    }
  }

  async depth(cluster: string): Promise<number> {
    const counts = await this.queue(cluster).getJobCounts('wait', 'prioritized', 'delayed');
    return (counts['wait'] ?? 0) + (counts['prioritized'] ?? 0) + (counts['delayed'] ?? 0);
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }
}
