/**
 * The reconciler of one node: at start and periodically it lists every Dockhand container on the
 * node's engine, decides with `reconcile-policy.ts` which serve nothing (this node's leftovers,
 * finished tasks, containers of lost nodes), removes them and reports what it removed.
 *
 *   const report = await reconciler.run();   // { removed: [{ name, reason, ... }], failed: [] }
 */
import type { TaskStatus } from '../core/task-status.ts';
import type { NodeState } from '../core/fleet/node-state.ts';
import { MANAGED_LABEL } from '../runtime/container-spec.ts';
import type { ContainerRuntime } from '../runtime/port.ts';
import type { NodeRegistry, TaskStore } from '../store/ports.ts';
import type { Logger } from '../telemetry/logger.ts';
import { attemptOf, decideReconcile, type Removal } from './reconcile-policy.ts';

export interface ReconcileReport {
  at: string;
  examined: number;
  removed: Removal[];
  failed: { name: string; error: string }[];
}

export interface ReconcilerDeps {
  runtime: ContainerRuntime;
  nodes: NodeRegistry;
  tasks: TaskStore;
  nodeId: string;
  /** `taskId:attempt` of the attempts this process runs. */
  ownAttempts: () => Set<string>;
  /** Names of the warm containers this process's pool holds. */
  ownWarm?: () => Set<string>;
  /** Told of every container removed (the node counts them in dockhand_reconciler_removals_total). */
  onRemoved?: (removal: Removal) => void;
  logger: Logger;
}

export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ReconcileReport> | undefined;
  last: ReconcileReport | undefined;

  constructor(private readonly deps: ReconcilerDeps) {}

  /** One pass. Concurrent calls share the pass in progress. */
  run(): Promise<ReconcileReport> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.run().catch((err: unknown) => this.deps.logger.warn({ err, node_id: this.deps.nodeId }, 'reconcile pass failed'));
    }, intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  private async pass(): Promise<ReconcileReport> {
    const { deps } = this;
    const containers = await deps.runtime.list(`${MANAGED_LABEL}=true`);
    // What the process runs is read after the listing: an attempt started in between is then known.
    const ownAttempts = deps.ownAttempts();
    const ownWarm = deps.ownWarm?.() ?? new Set<string>();
    const nodes = new Map<string, NodeState>((await deps.nodes.list()).map((n) => [n.id, n.state]));
    const tasks = new Map<string, TaskStatus>();
    for (const taskId of new Set(containers.map((c) => attemptOf(c)?.taskId).filter((id): id is string => Boolean(id)))) {
      const task = await deps.tasks.get(taskId);
      if (task) tasks.set(taskId, task.status);
    }
    const decisions = decideReconcile(containers, { selfId: deps.nodeId, ownAttempts, ownWarm, nodes, tasks });
    const report: ReconcileReport = { at: new Date().toISOString(), examined: containers.length, removed: [], failed: [] };
    for (const removal of decisions) {
      try {
        await deps.runtime.removeById(removal.id);
        report.removed.push(removal);
        deps.onRemoved?.(removal);
      } catch (err) {
        report.failed.push({ name: removal.name, error: (err as Error).message });
      }
    }
    if (report.removed.length > 0 || report.failed.length > 0) {
      deps.logger.info(
        {
          node_id: deps.nodeId,
          removed: report.removed.map((r) => ({ container: r.name, task_id: r.taskId, attempt: r.attempt, owner: r.nodeId, reason: r.reason })),
          failed: report.failed,
        },
        `reconciler removed ${report.removed.length} container(s)`,
      );
    }
    this.last = report;
    return report;
  }
}

