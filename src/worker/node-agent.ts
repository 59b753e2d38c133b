/**
 * The worker role: takes tasks from the queues of its clusters and runs them on the local Docker
 * engine. Lifecycle: starting -> running -> draining -> stopped; `stop()` is idempotent.
 *
 *   const agent = new NodeAgent(deps, { clusters: ['default'], concurrency: 4 });
 *   await agent.start(); ... await agent.stop();
 */
import { Worker, type Job } from 'bullmq';
import { taskQueueName } from '../queue/priority.ts';
import type { TaskJobData } from '../queue/task-queue.ts';
import { executeTask, type ExecuteDeps } from './execute-task.ts';
import { beginAttemptTelemetry } from './observe-attempt.ts';

export type AgentState = 'starting' | 'running' | 'draining' | 'stopped';

export interface AgentOptions {
  clusters: string[];
  concurrency: number;
  /** How often running tasks are re-checked for a cancel whose notice was missed. */
  cancelPollMs?: number;
}

export class NodeAgent {
  private state: AgentState = 'starting';
  private readonly workers: Worker<TaskJobData>[] = [];
  private readonly connections: { disconnect(): void }[] = [];
  private readonly running = new Map<string, AbortController>();
  private unsubscribeCancel: (() => void) | undefined;
  private cancelPoll: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;

  constructor(private readonly deps: ExecuteDeps, private readonly options: AgentOptions) {}

  get status(): AgentState {
    return this.state;
  }

  runningTaskIds(): string[] {
    return [...this.running.keys()];
  }

  async start(): Promise<void> {
    const { ctx } = this.deps;
    this.unsubscribeCancel = await ctx.events.onCancel((taskId) => this.running.get(taskId)?.abort());
    this.cancelPoll = setInterval(() => void this.pollCancelled(), this.options.cancelPollMs ?? 2000);
    for (const cluster of this.options.clusters) {
      const connection = ctx.redis.duplicate();
      this.connections.push(connection);
      const worker = new Worker<TaskJobData>(taskQueueName(cluster), (job) => this.process(job), {
        connection,
        prefix: ctx.keys.bullPrefix(),
        concurrency: this.options.concurrency,
        // A task may run for hours; BullMQ renews the lock while the processor runs, and a job whose
        // worker died is returned to the queue once its lock lapses.
        lockDuration: 30_000,
        maxStalledCount: 10,
      });
      worker.on('error', (err) => ctx.logger.error({ err, cluster }, 'queue worker error'));
      this.workers.push(worker);
    }
    await Promise.all(this.workers.map((w) => w.waitUntilReady()));
    this.state = 'running';
    ctx.logger.info({ node_id: this.deps.nodeId, clusters: this.options.clusters, concurrency: this.options.concurrency }, 'worker node running');
  }

  private async process(job: Job<TaskJobData>): Promise<void> {
    const { taskId } = job.data;
    const controller = new AbortController();
    this.running.set(taskId, controller);
    const telemetry = beginAttemptTelemetry(this.deps, job);
    try {
      const result = await executeTask(this.deps, taskId, controller.signal, telemetry);
      if (!result.ran) telemetry.logger.info({ reason: result.reason }, 'task not run');
      else telemetry.logger.info({ status: result.outcome.status, duration_ms: result.outcome.durationMs }, 'task finished');
    } finally {
      telemetry.abandoned('the attempt failed inside the worker');
      this.running.delete(taskId);
    }
  }

  private async pollCancelled(): Promise<void> {
    for (const [taskId, controller] of this.running) {
      const task = await this.deps.ctx.tasks.get(taskId).catch(() => undefined);
      if (task?.status === 'cancelled') controller.abort();
    }
  }

  /** Stops taking tasks, lets running ones finish, then closes. Safe to call more than once. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.state = 'draining';
      await Promise.all(this.workers.map((w) => w.close()));
      if (this.cancelPoll) clearInterval(this.cancelPoll);
      this.unsubscribeCancel?.();
      for (const connection of this.connections) connection.disconnect();
      this.state = 'stopped';
    })();
    return this.stopping;
  }
}
