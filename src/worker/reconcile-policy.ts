/**
 * Which Dockhand containers a node's reconciler removes. Pure: it gets what the engine lists and what
 * the fleet knows, and says what to remove and why. It removes a container only when it is sure the
 * container serves nothing:
 *
 * - this node's own container that this process does not run (left by an earlier process of the
 *   node, or a removal that failed);
 * - a container of a task that has finished;
 * - a container whose owning node is on record as `lost`.
 *
 * Anything it cannot place (a node or task it has no record of: another installation sharing the
 * engine) is left alone.
 *
 *   decideReconcile(containers, { selfId: 'a', ownAttempts: new Set(['t1:1']), nodes, tasks })
 */
import type { NodeState } from '../core/fleet/node-state.ts';
import { isFinished, type TaskStatus } from '../core/task-status.ts';
import { LABELS } from '../runtime/container-spec.ts';
import type { ContainerSummary } from '../runtime/port.ts';

export type RemovalReason = 'not-run-by-this-process' | 'task-finished' | 'owner-lost';

export interface Removal {
  id: string;
  name: string;
  taskId: string;
  attempt: number;
  nodeId: string;
  reason: RemovalReason;
}

export interface ReconcileView {
  selfId: string;
  /** `taskId:attempt` of every attempt this process is running (or about to). */
  ownAttempts: ReadonlySet<string>;
  nodes: ReadonlyMap<string, NodeState>;
  tasks: ReadonlyMap<string, TaskStatus>;
}

export function attemptKey(taskId: string, attempt: number): string {
  return `${taskId}:${attempt}`;
}

export function decideReconcile(containers: readonly ContainerSummary[], view: ReconcileView): Removal[] {
  const removals: Removal[] = [];
  for (const c of containers) {
    const taskId = c.labels[LABELS.task];
    const nodeId = c.labels[LABELS.node];
    const attempt = Number(c.labels[LABELS.attempt]);
    if (!taskId || !nodeId || !Number.isInteger(attempt)) continue;
    const reason = reasonToRemove(taskId, attempt, nodeId, view);
    if (reason) removals.push({ id: c.id, name: c.name, taskId, attempt, nodeId, reason });
  }
  return removals;
}

function reasonToRemove(taskId: string, attempt: number, nodeId: string, view: ReconcileView): RemovalReason | undefined {
  if (nodeId === view.selfId) return view.ownAttempts.has(attemptKey(taskId, attempt)) ? undefined : 'not-run-by-this-process';
  const status = view.tasks.get(taskId);
  if (status !== undefined && isFinished(status)) return 'task-finished';
  if (view.nodes.get(nodeId) === 'lost') return 'owner-lost';
  return undefined;
}
