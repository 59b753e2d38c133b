/**
 * Dockhand's Prometheus metrics (prom-client), one registry per process context so several fleets in
 * one test process never mix. Counters and histograms are fed where things happen; gauges (queue
 * depth, node slots) are read when /metrics is scraped from sources the roles register. Every name
 * starts with `dockhand_` and is listed in docs/operations.md.
 *
 *   ctx.metrics.taskEntered('complete', task.code_name);
 *   ctx.metrics.reconcilerRemovals.inc({ reason: 'orphaned' });
 *   const text = await ctx.metrics.render();
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { TaskStatus } from '../core/task-status.ts';

export type ContainerOperation = 'create' | 'start' | 'remove';

export interface NodeSlots {
  running: number;
  slots: number;
}

const SECONDS_FAST = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const SECONDS_QUEUE = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
const SECONDS_TASK = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14_400];

export class DockhandMetrics {
  readonly registry = new Registry();

  /** Tasks that entered each status, by code package. */
  readonly tasks = new Counter({
    name: 'dockhand_tasks_total',
    help: 'Tasks that entered a status, by status and code package.',
    labelNames: ['status', 'code'] as const,
    registers: [this.registry],
  });

  readonly taskDuration = new Histogram({
    name: 'dockhand_task_duration_seconds',
    help: 'How long a task\'s container ran, from start to exit, by code package and final status.',
    labelNames: ['code', 'status'] as const,
    buckets: SECONDS_TASK,
    registers: [this.registry],
  });

  readonly queueWait = new Histogram({
    name: 'dockhand_task_queue_wait_seconds',
    help: 'Time a task attempt spent in its queue, from enqueue (including any delay) to a worker taking it.',
    labelNames: ['cluster'] as const,
    buckets: SECONDS_QUEUE,
    registers: [this.registry],
  });

  readonly containerOperation = new Histogram({
    name: 'dockhand_container_operation_seconds',
    help: 'Latency of container create, start and remove calls to the Docker engine.',
    labelNames: ['operation'] as const,
    buckets: SECONDS_FAST,
    registers: [this.registry],
  });

  readonly logBytes = new Counter({
    name: 'dockhand_log_bytes_total',
    help: 'Bytes of task output written to task logs, by stream.',
    labelNames: ['stream'] as const,
    registers: [this.registry],
  });

  /** The reconciler increments this for every container it removes. */
  readonly reconcilerRemovals = new Counter({
    name: 'dockhand_reconciler_removals_total',
    help: 'Containers removed by the reconciler, by reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly spanExportFailures = new Counter({
    name: 'dockhand_span_export_failures_total',
    help: 'Span writes that failed, by exporter (store = the embedded Redis span store, otlp = the collector).',
    labelNames: ['exporter'] as const,
    registers: [this.registry],
  });

  readonly progressUpdates = new Counter({
    name: 'dockhand_progress_updates_total',
    help: 'Progress reports recorded, by how they arrived (api or line).',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  private readonly queueDepthSources: Array<() => Promise<Record<string, number>>> = [];
  private readonly nodeSources = new Map<string, () => NodeSlots>();

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    const depthSources = this.queueDepthSources;
    const nodeSources = this.nodeSources;
    new Gauge({
      name: 'dockhand_queue_depth',
      help: 'Tasks waiting in a cluster\'s queue (waiting, prioritized and delayed).',
      labelNames: ['cluster'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const source of depthSources) {
          // A scrape during a Redis hiccup shows no depth rather than failing the whole page.
          const depths = await source().catch(() => ({}));
          for (const [cluster, depth] of Object.entries(depths)) this.set({ cluster }, depth);
        }
      },
    });
    new Gauge({
      name: 'dockhand_node_running_tasks',
      help: 'Tasks running on a worker node.',
      labelNames: ['node'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [node, source] of nodeSources) this.set({ node }, source().running);
      },
    });
    new Gauge({
      name: 'dockhand_node_free_slots',
      help: 'Task slots a worker node has free.',
      labelNames: ['node'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [node, source] of nodeSources) {
          const { running, slots } = source();
          this.set({ node }, Math.max(0, slots - running));
        }
      },
    });
  }

  taskEntered(status: TaskStatus, codeName: string): void {
    this.tasks.inc({ status, code: codeName });
  }

  /** Registers where queue depths come from (per cluster); read at each scrape. */
  trackQueueDepth(source: () => Promise<Record<string, number>>): void {
    this.queueDepthSources.push(source);
  }

  /** Registers a worker node's slot counts; read at each scrape. Returns a function that stops tracking. */
  trackNode(nodeId: string, source: () => NodeSlots): () => void {
    this.nodeSources.set(nodeId, source);
    return () => this.nodeSources.delete(nodeId);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  async render(): Promise<string> {
    return standardNaN(await this.registry.metrics());
  }
}

/**
 * prom-client writes a sample that is not a number as `Nan` (the event-loop lag gauges are NaN until
 * the first delay is measured, so a scrape right after start has some). The exposition format spells it
 * `NaN`; strict parsers reject anything else.
 */
export function standardNaN(exposition: string): string {
  return exposition.replace(/^([^#].* )Nan$/gm, '$1NaN');
}
