/**
 * The pull loop of one worker node. Whenever the node has a free slot it looks at the heads of the
 * ready sets it may serve (its clusters, and only constraint signatures its labels satisfy), merges
 * them in queue order (priority, then arrival), skips what does not fit its free memory, asks the
 * placement policy whether it is the right node to take the next task now, and claims. A claim is one
 * atomic script (queue/work-source.ts), so several nodes pulling at once never take the same task,
 * and a package at its fleet-wide limit parks its task instead of blocking the queue.
 *
 * It sleeps until new work is announced (pub/sub), a slot frees up, a held-back task's turn comes,
 * or a poll interval passes (for delayed tasks and lost notices).
 */
import { admissible, hasFreeSlot, type NodeCapacity } from '../core/fleet/admission.ts';
import type { Labels } from '../core/fleet/constraints.ts';
import { eligiblePeers, mayClaim, placementDelayMs, type FleetNodeView, type PlacementStrategy } from '../core/fleet/placement.ts';
import type { FleetNode } from '../core/model.ts';
import type { Candidate, HeldAttempt, WorkSource } from '../queue/work-source.ts';
import type { NodeRegistry } from '../store/ports.ts';
import type { Logger } from '../telemetry/logger.ts';

export interface DispatchDeps {
  source: WorkSource;
  nodes: NodeRegistry;
  nodeId: string;
  clusters: readonly string[];
  labels: Labels;
  placement: (cluster: string) => PlacementStrategy;
  placementStepMs: number;
  pollMs: number;
  capacity: () => NodeCapacity;
  /** `seenAt`: when this node first weighed the candidate (epoch ms), where its admission began. */
  beginClaim: (candidate: Candidate, seenAt: number) => void;
  endClaim: (candidate: Candidate) => void;
  /** Called with every claimed attempt; must register it before returning. */
  launch: (held: HeldAttempt) => void;
  /** False while the node must not take work (draining, or its leases are in doubt). */
  mayTakeWork: () => boolean;
  logger: Logger;
}

/** How many tasks of each ready set a node looks at per round. */
const PEEK_PER_SET = 16;

export class Dispatcher {
  private stopped = false;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private readonly firstSeen = new Map<string, number>();
  private loop: Promise<void> | undefined;

  constructor(private readonly deps: DispatchDeps) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Ends the loop after the current round; resolves when it has. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.loop;
  }

  /** Something changed (new work, a free slot): run a round now. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let waitMs = this.deps.pollMs;
      try {
        const round = await this.round();
        if (round.claimed) continue;
        if (round.retryInMs !== undefined) waitMs = Math.min(waitMs, Math.max(10, round.retryInMs));
      } catch (err) {
        this.deps.logger.warn({ err, node_id: this.deps.nodeId }, 'dispatch round failed; trying again');
      }
      await this.sleep(waitMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken || this.stopped) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        // A wake that arrives while sleeping is consumed by this sleep.
        this.woken = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  /** One look at the queue: claims at most one task. */
  private async round(): Promise<{ claimed: boolean; retryInMs?: number }> {
    const { deps } = this;
    if (!deps.mayTakeWork() || !hasFreeSlot(deps.capacity())) return { claimed: false };
    await deps.source.promoteDue(deps.clusters);
    const sets = await deps.source.readySets(deps.clusters, deps.labels);
    const candidates = admissible(await deps.source.peek(sets, PEEK_PER_SET), deps.capacity());
    this.forgetGone(candidates);
    if (candidates.length === 0) return { claimed: false };

    const peers = await this.peers();
    const now = Date.now();
    let retryAt = Infinity;
    for (const candidate of candidates) {
      const seen = this.firstSeen.get(candidate.taskId) ?? now;
      this.firstSeen.set(candidate.taskId, seen);
      const eligible = eligiblePeers(peers, { cluster: candidate.cluster, constraints: candidate.constraints, memoryMb: candidate.memoryMb });
      const delay = placementDelayMs({ strategy: deps.placement(candidate.cluster), selfId: deps.nodeId, peers: eligible, stepMs: deps.placementStepMs });
      if (!mayClaim(delay, seen, now)) {
        retryAt = Math.min(retryAt, seen + delay);
        continue;
      }
      if (!deps.mayTakeWork()) return { claimed: false };
      deps.beginClaim(candidate, seen);
      try {
        const result = await deps.source.claim(candidate);
        if (result.claimed) {
          this.firstSeen.delete(candidate.taskId);
          deps.launch(result.held);
          return { claimed: true };
        }
        if (result.reason !== 'gone') deps.logger.debug({ task_id: candidate.taskId, reason: result.reason }, 'task not claimed');
      } finally {
        deps.endClaim(candidate);
      }
    }
    return retryAt === Infinity ? { claimed: false } : { claimed: false, retryInMs: retryAt - Date.now() };
  }

  /** The fleet as placement sees it, with this node's own load taken from what it knows locally. */
  private async peers(): Promise<FleetNodeView[]> {
    const nodes = await this.deps.nodes.list();
    const own = this.deps.capacity();
    const views = nodes.map((n): FleetNodeView => (n.id === this.deps.nodeId ? { ...toView(n), ...own, state: 'running' } : toView(n)));
    if (!views.some((v) => v.id === this.deps.nodeId)) {
      views.push({ id: this.deps.nodeId, state: 'running', clusters: this.deps.clusters, labels: this.deps.labels, ...own });
    }
    return views;
  }

  private forgetGone(candidates: readonly Candidate[]): void {
    const present = new Set(candidates.map((c) => c.taskId));
    for (const id of this.firstSeen.keys()) if (!present.has(id)) this.firstSeen.delete(id);
  }
}

function toView(node: FleetNode): FleetNodeView {
  return {
    id: node.id,
    state: node.state,
    clusters: node.clusters,
    labels: node.labels,
    slotsTotal: node.slots_total,
    slotsUsed: node.slots_used,
    memoryTotalMb: node.memory_total,
    memoryReservedMb: node.memory_reserved,
  };
}
