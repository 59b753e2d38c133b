/**
 * Placement in a pull-based queue. Nothing pushes a task to a node: every node with room pulls. To
 * place as Swarm does, each node works out where it stands among the nodes that could take the task
 * (alive, serving the cluster, labels matching, room for it) and holds back in proportion:
 *
 * - `spread` (the default): least loaded first, so the next task lands on the emptiest node;
 * - `binpack`: most loaded (with room) first, so one node fills before the next and idle nodes can
 *   be removed.
 *
 * The best node claims at once; the node ranked r waits r steps, so it takes the task only when the
 * better ones did not (busy, stuck, or gone): placement never leaves a task waiting for long. Pure.
 *
 *   const delay = placementDelayMs({ strategy: 'binpack', selfId: 'a', peers, stepMs: 1000 });
 */
import { admit, type NodeCapacity } from './admission.ts';
import { satisfies, type Labels } from './constraints.ts';

export const PLACEMENT_STRATEGIES = ['spread', 'binpack'] as const;
export type PlacementStrategy = (typeof PLACEMENT_STRATEGIES)[number];

export interface PlacementPeer extends NodeCapacity {
  id: string;
}

export interface FleetNodeView extends PlacementPeer {
  /** Only nodes that are `running` (not draining, not lost) take tasks. */
  state: 'running' | 'draining' | 'lost';
  clusters: readonly string[];
  labels: Labels;
}

export function isPlacementStrategy(value: string): value is PlacementStrategy {
  return (PLACEMENT_STRATEGIES as readonly string[]).includes(value);
}

/** The nodes that could take a task of this cluster, constraints and memory right now. */
export function eligiblePeers(nodes: readonly FleetNodeView[], task: { cluster: string; constraints: Labels; memoryMb: number }): FleetNodeView[] {
  return nodes.filter(
    (n) => n.state === 'running' && n.clusters.includes(task.cluster) && satisfies(n.labels, task.constraints) && admit(n, task.memoryMb).admit,
  );
}

function load(peer: NodeCapacity): [number, number] {
  return [
    peer.slotsTotal > 0 ? peer.slotsUsed / peer.slotsTotal : 1,
    peer.memoryTotalMb > 0 ? peer.memoryReservedMb / peer.memoryTotalMb : 1,
  ];
}

/** Peers best first for the strategy; equal loads are ordered by id, so every node agrees. */
export function rankPeers<T extends PlacementPeer>(strategy: PlacementStrategy, peers: readonly T[]): T[] {
  const sign = strategy === 'spread' ? 1 : -1;
  return [...peers].sort((a, b) => {
    const [slotsA, memA] = load(a);
    const [slotsB, memB] = load(b);
    if (slotsA !== slotsB) return sign * (slotsA - slotsB);
    if (memA !== memB) return sign * (memA - memB);
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
}

export interface PlacementInput {
  strategy: PlacementStrategy;
  selfId: string;
  /** The eligible peers, this node included. */
  peers: readonly PlacementPeer[];
  /** How long each rank holds back. */
  stepMs: number;
  /** Ranks beyond this wait no longer than this many steps. */
  maxSteps?: number;
}

/** How long this node should hold back before claiming: 0 when it is the best place for the task. */
export function placementDelayMs(input: PlacementInput): number {
  const ranked = rankPeers(input.strategy, input.peers);
  const rank = ranked.findIndex((p) => p.id === input.selfId);
  // A node that does not see itself among the peers (its registry entry is late) does not wait.
  if (rank <= 0) return 0;
  return Math.min(rank, input.maxSteps ?? 3) * input.stepMs;
}

/** True once the task has waited the node's hold-back since the node first saw it. */
export function mayClaim(delayMs: number, firstSeenMs: number, nowMs: number): boolean {
  return nowMs - firstSeenMs >= delayMs;
}
