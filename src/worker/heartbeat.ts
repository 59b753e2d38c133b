/**
 * A node's heartbeat and the fleet's self-healing that rides on it. Every interval the node:
 *
 * 1. writes its record and renews the leases of its tasks (one script); a lease found gone means the
 *    fleet may already run that task elsewhere, so the attempt here is stopped at once;
 * 2. tells its watchdog how long its leases are surely valid;
 * 3. takes back, as new attempts, the tasks of nodes whose heartbeat expired (any node does this for
 *    any lost node; the script is atomic, so doing it twice is harmless), returns parked tasks of
 *    packages that have room again, and takes back its own tasks that nothing here runs.
 *
 * Between beats it watches its own lease time: a node that could not renew for 60% of the
 * time-to-live stops its attempts itself (they go back to the queue), the watchdog kills what is left
 * at 80%, and the fleet takes the tasks back at 100%. So no container outlives its lease.
 */
import { performance } from 'node:perf_hooks';
import type { HeartbeatResult, NodeRegistry, NodeReport } from '../store/ports.ts';
import type { WorkSource } from '../queue/work-source.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { LocalAttempts } from './local-attempts.ts';
import type { DeadMansSwitch } from './watchdog.ts';

export interface HeartbeatDeps {
  nodes: NodeRegistry;
  source: WorkSource;
  nodeId: string;
  instance: string;
  ttlMs: number;
  intervalMs: number;
  /** Seconds a lost node stays on record for `dockhand nodes`. */
  retentionSeconds: number;
  report: () => NodeReport;
  local: LocalAttempts;
  watchdog?: DeadMansSwitch;
  logger: Logger;
  /** New work may have appeared (tasks taken back, packages with room). */
  onWork: () => void;
}

export class NodeHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private fenceTimer: NodeJS.Timeout | undefined;
  private lastRenewedAt: number | undefined;
  private fenced = false;
  private orphansSeen = new Set<string>();
  private beating: Promise<void> = Promise.resolve();

  constructor(private readonly deps: HeartbeatDeps) {}


  attachWatchdog(watchdog: DeadMansSwitch): void {
    this.deps.watchdog = watchdog;
  }

  /** Part of the time-to-live after which a node stops its own attempts; the watchdog acts later. */
  private get selfFenceMs(): number {
    return this.deps.ttlMs * 0.6;
  }

  private get watchdogMs(): number {
    return this.deps.ttlMs * 0.8;
  }

  /** True while the node's leases are surely its own. */
  leasesValid(): boolean {
    return this.lastRenewedAt !== undefined && !this.fenced && performance.now() - this.lastRenewedAt < this.selfFenceMs;
  }

  /** One heartbeat; the first one registers the node. */
  async beat(): Promise<HeartbeatResult> {
    const sentAt = performance.now();
    const result = await this.deps.nodes.heartbeat(this.deps.report(), { instance: this.deps.instance, ttlMs: this.deps.ttlMs, retentionSeconds: this.deps.retentionSeconds });
    if (!result.accepted) return result;
    this.lastRenewedAt = sentAt;
    this.fenced = false;
    this.deps.watchdog?.renew(sentAt + this.watchdogMs - performance.now());
    for (const taskId of result.lostTaskIds) {
      if (this.deps.local.stop(taskId, 'revoked')) this.deps.logger.warn({ node_id: this.deps.nodeId, task_id: taskId }, 'lease lost; stopping the attempt');
    }
    return result;
  }

  start(): void {
    const tick = (): void => {
      this.beating = this.tick().finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(tick, this.deps.intervalMs);
      });
    };
    this.timer = setTimeout(tick, this.deps.intervalMs);
    this.fenceTimer = setInterval(() => this.checkFence(), Math.min(500, this.deps.intervalMs));
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.fenceTimer) clearInterval(this.fenceTimer);
    await this.beating;
  }

  private async tick(): Promise<void> {
    try {
      const result = await this.beat();
      if (!result.accepted) {
        this.deps.logger.error({ node_id: this.deps.nodeId, other: result.otherInstance }, 'another process took over this node id; stopping all attempts');
        this.fence();
        return;
      }
      await this.sweep();
    } catch (err) {
      this.deps.logger.warn({ err, node_id: this.deps.nodeId }, 'heartbeat failed');
    }
  }

  private checkFence(): void {
    if (this.lastRenewedAt === undefined || this.fenced) return;
    if (performance.now() - this.lastRenewedAt >= this.selfFenceMs) {
      this.deps.logger.error({ node_id: this.deps.nodeId }, 'leases not renewed in time; stopping all attempts so the fleet can run them elsewhere');
      this.fence();
    }
  }

  private fence(): void {
    this.fenced = true;
    this.deps.local.stopAll('revoked');
  }

  /** The fleet's self-healing steps, run by every node after its heartbeat. */
  async sweep(): Promise<void> {
    const { source, nodeId, logger } = this.deps;
    let work = false;
    for (const lostId of await this.deps.nodes.staleIds()) {
      if (lostId === nodeId) continue;
      const recovered = await source.recover(lostId, { force: false, ending: 'lost', msg: `node ${lostId} stopped heartbeating; queued again` });
      if (recovered.length > 0) {
        work = true;
        logger.warn({ node_id: nodeId, lost_node: lostId, tasks: recovered }, 'took back the tasks of a lost node');
      }
    }
    if ((await source.sweepParked(100)) > 0) work = true;
    if ((await this.recoverOrphans(false)).length > 0) work = true;
    if (work) this.deps.onWork();
  }

  /**
   * Tasks this node holds in Redis that nothing here runs: left by an earlier process of this node,
   * or an attempt whose end could not be recorded. At start they are taken back at once (`now`);
   * afterwards only once seen twice, so a claim in flight is never mistaken for one.
   */
  async recoverOrphans(now: boolean): Promise<string[]> {
    const busy = this.deps.local.busyTaskIds();
    const orphans = (await this.deps.source.heldTaskIds(this.deps.nodeId)).filter((id) => !busy.has(id));
    const ready = now ? orphans : orphans.filter((id) => this.orphansSeen.has(id));
    this.orphansSeen = new Set(orphans);
    if (ready.length === 0) return [];
    const recovered = await this.deps.source.recover(this.deps.nodeId, {
      force: true,
      taskIds: ready,
      ending: 'revoked',
      msg: `node ${this.deps.nodeId} no longer ran this attempt; queued again`,
    });
    if (recovered.length > 0) this.deps.logger.warn({ node_id: this.deps.nodeId, tasks: recovered }, 'took back tasks this node held but did not run');
    return recovered;
  }
}
