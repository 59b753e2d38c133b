/**
 * Why a queued task cannot start anywhere in the fleet as it stands. A task waiting for a free slot
 * or for its package's max_concurrency is normal and has no reason here; a task that no node now on
 * record could ever take (no node serves its cluster, none carries its constraints, none has the
 * memory it reserves, none has its stack's image yet) or whose package is paused would otherwise wait
 * in silence. Pure.
 *
 *   waitReason({ cluster: 'gpu', memory: 512 }, nodes, { name: 'render', paused: false })
 *   // 'no running worker node serves cluster "gpu"; start one with `dockhand worker --cluster gpu`'
 */
import type { FleetNode } from '../model.ts';
import { constraintSignature, satisfies, type Labels } from './constraints.ts';
import { NETWORK_LABEL_KEY } from '../egress/network-label.ts';

export interface WaitingTask {
  cluster: string;
  constraints?: Labels;
  /** MiB the task reserves on a node. */
  memory?: number;
  /** The stack its package runs on (absent for a custom-image package). */
  stack?: string;
}

export function waitReason(task: WaitingTask, nodes: readonly FleetNode[], pkg: { name: string; paused: boolean }): string | undefined {
  if (pkg.paused) return `the queue of code package "${pkg.name}" is paused; \`dockhand code resume ${pkg.name}\` lets it run`;
  const serving = nodes.filter((n) => n.state === 'running' && n.clusters.includes(task.cluster));
  if (serving.length === 0) {
    return `no running worker node serves cluster "${task.cluster}"; start one with \`dockhand worker --cluster ${task.cluster}\``;
  }
  const matching = task.constraints ? serving.filter((n) => satisfies(n.labels, task.constraints!)) : serving;
  if (matching.length === 0 && task.constraints?.[NETWORK_LABEL_KEY] !== undefined) {
    const { [NETWORK_LABEL_KEY]: _network, ...others } = task.constraints;
    const unfiltered = serving.filter((n) => satisfies(n.labels, others));
    if (unfiltered.length > 0) {
      const why = unfiltered.map((n) => (n.egress?.mode === 'unavailable' ? `${n.id}: ${n.egress.reason}` : undefined)).find((r) => r !== undefined);
      return `its package has network access and no running node of cluster "${task.cluster}" can enforce the egress policy${why ? ` (${why})` : ''}; see \`dockhand nodes\` and docs/security.md "Egress"`;
    }
  }
  if (matching.length === 0) {
    return `no running node of cluster "${task.cluster}" carries ${constraintSignature(task.constraints)}; start one with \`--label\` for each, or queue it without those constraints`;
  }
  const memory = task.memory ?? 0;
  const largest = Math.max(...matching.map((n) => n.memory_total));
  if (memory > largest) {
    return `it reserves ${memory} MiB and the largest node that may run it has ${largest} MiB; start a worker with \`--memory ${memory}\` or more, or lower the package's memory`;
  }
  if (task.stack !== undefined && !matching.some((n) => n.stacks.includes(task.stack!))) {
    return `no running node that may run it has the image of stack "${task.stack}" yet; nodes with a registry (DOCKHAND_REGISTRY) pull it within DOCKHAND_RECONCILE_MS, otherwise run \`dockhand stacks build ${task.stack}\` on a worker's host`;
  }
  return undefined;
}
