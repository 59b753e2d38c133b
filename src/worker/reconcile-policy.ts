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
 * Warm containers (label `dockhand.warm`) have no task labels. One not yet handed a task is removed
 * when it is this node's and this process's pool does not hold it, or its node is lost; one handed a
 * task carries the attempt's name (`dh-<task>-<attempt>`) and is judged like any task container.
 *
 *   decideReconcile(containers, { selfId: 'a', ownAttempts: new Set(['t1:1']), nodes, tasks })
 */
import type { NodeState } from '../core/fleet/node-state.ts';
import { parseContainerName } from '../core/ids.ts';
import { isFinished, type TaskStatus } from '../core/task-status.ts';
import { LABELS } from '../runtime/container-spec.ts';
import type { ContainerSummary } from '../runtime/port.ts';

export type RemovalReason = 'not-run-by-this-process' | 'task-finished' | 'owner-lost';

export interface Removal {
  id: string;
  name: string;
  /** Empty, with attempt 0, for a warm container that was never handed a task. */
  taskId: string;
  attempt: number;
  nodeId: string;
  reason: RemovalReason;
}

export interface ReconcileView {
  selfId: string;
  /** `taskId:attempt` of every attempt this process is running (or about to). */
  ownAttempts: ReadonlySet<string>;
  /** Names of the warm containers this process's pool holds (idle, starting, or being handed). */
  ownWarm?: ReadonlySet<string>;
  nodes: ReadonlyMap<string, NodeState>;
  tasks: ReadonlyMap<string, TaskStatus>;
}

export function attemptKey(taskId: string, attempt: number): string {
  return `${taskId}:${attempt}`;
}

/** The attempt a container runs: from its labels, or from its name for a warm container handed a task. */
export function attemptOf(c: ContainerSummary): { taskId: string; attempt: number } | undefined {
  const taskId = c.labels[LABELS.task];
  const attempt = Number(c.labels[LABELS.attempt]);
  if (taskId && Number.isInteger(attempt)) return { taskId, attempt };
  return c.labels[LABELS.warm] !== undefined ? parseContainerName(c.name) : undefined;
}

export function decideReconcile(containers: readonly ContainerSummary[], view: ReconcileView): Removal[] {
  const removals: Removal[] = [];
  for (const c of containers) {
    const nodeId = c.labels[LABELS.node];
    if (!nodeId) continue;
    const ran = attemptOf(c);
    if (ran) {
      const reason = reasonToRemove(ran.taskId, ran.attempt, nodeId, view);
      if (reason) removals.push({ id: c.id, name: c.name, taskId: ran.taskId, attempt: ran.attempt, nodeId, reason });
    } else if (c.labels[LABELS.warm] !== undefined) {
      const reason = reasonToRemoveIdleWarm(c.name, nodeId, view);
      if (reason) removals.push({ id: c.id, name: c.name, taskId: '', attempt: 0, nodeId, reason });
    }
  }
  return removals;
}

function reasonToRemoveIdleWarm(name: string, nodeId: string, view: ReconcileView): RemovalReason | undefined {
  if (nodeId === view.selfId) return view.ownWarm?.has(name) ? undefined : 'not-run-by-this-process';
  return view.nodes.get(nodeId) === 'lost' ? 'owner-lost' : undefined;
}

function reasonToRemove(taskId: string, attempt: number, nodeId: string, view: ReconcileView): RemovalReason | undefined {
  if (nodeId === view.selfId) return view.ownAttempts.has(attemptKey(taskId, attempt)) ? undefined : 'not-run-by-this-process';
  const status = view.tasks.get(taskId);
  if (status !== undefined && isFinished(status)) return 'task-finished';
  if (view.nodes.get(nodeId) === 'lost') return 'owner-lost';
  return undefined;
}
