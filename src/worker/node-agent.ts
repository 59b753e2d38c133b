/**
 * The worker role: one node of the fleet beside one Docker engine. It registers and heartbeats,
 * pulls tasks of its clusters (dispatcher.ts), runs each attempt (execute-task.ts), stops attempts on
 * cancel, drain or a lost lease, cleans up containers (reconciler.ts) and, through its watchdog
 * process, makes sure no container outlives the node's leases.
 *
 * Lifecycle: starting -> running -> draining -> stopped. `stop()` drains: no new claims, running
 * attempts get the grace period, then are stopped and queued again; it is idempotent.
 *
 *   const agent = new NodeAgent(deps, { clusters: ['default'], concurrency: 4 });
 *   await agent.start(); ... await agent.stop({ drainTimeoutMs: 30_000 });
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DhError } from '../core/errors.ts';
import type { Labels } from '../core/fleet/constraints.ts';
import type { AgentState } from '../core/fleet/node-state.ts';
import type { PlacementStrategy } from '../core/fleet/placement.ts';
import type { EngineInfo } from '../runtime/port.ts';
import { WorkSource } from '../queue/work-source.ts';
import type { NodeReport } from '../store/ports.ts';
import { Dispatcher } from './dispatcher.ts';
import { executeTask, type ExecuteDeps } from './execute-task.ts';
import { nowMs } from '../telemetry/clock.ts';
import { beginAttemptTelemetry, type ClaimTiming } from './observe-attempt.ts';
import { NodeHeartbeat } from './heartbeat.ts';
import { LocalAttempts } from './local-attempts.ts';
import { Reconciler, type ReconcileReport } from './reconciler.ts';
import { WarmPool } from './warm-pool.ts';
import { Watchdog, type DeadMansSwitch } from './watchdog.ts';
import { NETWORK_LABEL_KEY, NETWORK_LABEL_VALUE } from '../core/egress/network-label.ts';
import { MANAGED_LABEL } from '../runtime/container-spec.ts';

export type { AgentState };

export interface AgentOptions {
  clusters: string[];
  concurrency: number;
  labels?: Labels;
  /** Declared memory (MiB) tasks may reserve on this node; default: the engine's host memory. */
  memoryMb?: number;
  /** Placement per cluster; clusters not named use `defaultPlacement` (spread). */
  placement?: Record<string, PlacementStrategy>;
  defaultPlacement?: PlacementStrategy;
  heartbeatMs?: number;
  ttlMs?: number;
  reconcileMs?: number;
  placementStepMs?: number;
  /** How often an idle node looks at the queue without being told of new work. */
  pollMs?: number;
  /** How often running tasks are re-checked for a cancel whose notice was missed. */
  cancelPollMs?: number;
  /** Start the dead-man's switch process (default true). */
  watchdog?: boolean;
  /** Starts the watchdog another way than as a child process (a container, for a containerized worker). */
  startWatchdog?: (nodeId: string) => Promise<DeadMansSwitch>;
  /** The engine's address for the watchdog, when it is not the one DOCKER_HOST names. */
  dockerHost?: string;
  /** The stacks whose images are present on this node's engine. */
  stacks?: () => Promise<string[]>;
  /** Warm containers kept ready (every class together; 0 or absent: none) and how long an unused class keeps them. */
  warm?: { max: number; idleMs: number };
}

export type AgentDeps = Omit<ExecuteDeps, 'source'>;

/** Claims of a class within this window size its warm pool (warm-policy.ts). */
const WARM_DEMAND_WINDOW_MS = 10_000;

/** How often the node checks that its egress policy is still in force. */
const EGRESS_CHECK_MS = 5_000;

/** How long a lost node stays on record for `dockhand nodes`. */
const LOST_RETENTION_SECONDS = 3600;

export class NodeAgent {
  private state: AgentState = 'starting';
  private readonly instance = randomBytes(8).toString('hex');
  private readonly source: WorkSource;
  private readonly local: LocalAttempts;
  private readonly dispatcher: Dispatcher;
  private readonly heartbeat: NodeHeartbeat;
  private readonly reconciler: Reconciler;
  private readonly warmPool: WarmPool;
  private readonly attempts = new Set<Promise<void>>();
  /** When each task being claimed was first weighed and when its claim began, for its trace. */
  private readonly claimTimes = new Map<string, ClaimTiming>();
  private watchdog: DeadMansSwitch | undefined;
  private engine: EngineInfo = { id: '', version: '', memoryBytes: 0 };
  private stacks: string[] = [];
  private readonly startedAt = new Date().toISOString();
  private memoryMb: number;
  private unsubscribe: (() => void)[] = [];
  private cancelPoll: NodeJS.Timeout | undefined;
  private stacksRefresh: NodeJS.Timeout | undefined;
  private egressCheck: NodeJS.Timeout | undefined;
  /** The node's labels: the operator's, plus the network label while network-enabled tasks may run here. */
  private readonly labels: Labels;
  private stopping: Promise<void> | undefined;

  constructor(private readonly deps: AgentDeps, private readonly options: AgentOptions) {
    const { ctx } = deps;
    const settings = ctx.settings;
    this.source = new WorkSource(ctx.redis, ctx.keys, deps.nodeId, this.ttlMs);
    this.memoryMb = options.memoryMb ?? 0;
    this.labels = { ...(options.labels ?? {}) };
    this.syncNetworkLabel();
    this.local = new LocalAttempts({ slots: options.concurrency, memoryMb: this.memoryMb });
    this.dispatcher = new Dispatcher({
      source: this.source,
      nodes: ctx.nodes,
      nodeId: deps.nodeId,
      clusters: options.clusters,
      // The same object the node updates when its egress policy comes or goes.
      labels: this.labels,
      placement: (cluster) => this.placementOf(cluster),
      placementStepMs: options.placementStepMs ?? settings.DOCKHAND_PLACEMENT_STEP_MS,
      pollMs: options.pollMs ?? 1000,
      capacity: () => this.local.capacity(),
      beginClaim: (c, seenAt) => {
        const now = nowMs();
        // seenAt is whole milliseconds from another clock reading; never after the claim it led to.
        this.claimTimes.set(c.taskId, { seenAt: Math.min(seenAt, now), claimAt: now });
        this.local.beginClaim(c.taskId, c.memoryMb);
      },
      endClaim: (c) => {
        this.claimTimes.delete(c.taskId);
        this.local.endClaim(c.taskId);
      },
      launch: (held) => this.launch(held),
      mayTakeWork: () => this.state === 'running' && this.heartbeat.leasesValid(),
      logger: ctx.logger,
    });
    this.heartbeat = new NodeHeartbeat({
      nodes: ctx.nodes,
      source: this.source,
      nodeId: deps.nodeId,
      instance: this.instance,
      ttlMs: this.ttlMs,
      intervalMs: options.heartbeatMs ?? settings.DOCKHAND_HEARTBEAT_MS,
      retentionSeconds: LOST_RETENTION_SECONDS,
      report: () => this.report(),
      local: this.local,
      logger: ctx.logger,
      onWork: () => this.dispatcher.wake(),
    });
    this.warmPool = new WarmPool({
      runtime: deps.runtime,
      nodeId: deps.nodeId,
      logger: ctx.logger,
      limits: { max: options.warm?.max ?? 0, idleMs: options.warm?.idleMs ?? 60_000, windowMs: WARM_DEMAND_WINDOW_MS },
    });
    this.reconciler = new Reconciler({
      runtime: deps.runtime,
      nodes: ctx.nodes,
      tasks: ctx.tasks,
      nodeId: deps.nodeId,
      ownAttempts: () => this.local.attemptKeys(),
      ownWarm: () => this.warmPool.names(),
      onRemoved: (removal) => ctx.metrics.reconcilerRemovals.inc({ reason: removal.reason }),
      logger: ctx.logger,
    });
  }

  private get ttlMs(): number {
    return this.options.ttlMs ?? this.deps.ctx.settings.DOCKHAND_NODE_TTL_MS;
  }

  get status(): AgentState {
    return this.state;
  }

  get nodeId(): string {
    return this.deps.nodeId;
  }

  runningTaskIds(): string[] {
    return [...new Set(this.local.all().map((a) => a.held.taskId))];
  }

  /** The last reconcile pass, or a new one. */
  reconcile(): Promise<ReconcileReport> {
    return this.reconciler.run();
  }

  get lastReconcile(): ReconcileReport | undefined {
    return this.reconciler.last;
  }

  async start(): Promise<void> {
    const { ctx, nodeId } = this.deps;
    this.engine = await this.deps.runtime.engine();
    if (this.options.memoryMb === undefined) {
      this.memoryMb = Math.max(1, Math.floor(this.engine.memoryBytes / (1024 * 1024)));
      this.local.setMemory(this.memoryMb);
    }
    this.stacks = (await this.options.stacks?.().catch(() => [])) ?? [];
    await this.register();
    if (this.options.watchdog !== false) {
      this.watchdog = this.options.startWatchdog ? await this.options.startWatchdog(nodeId) : Watchdog.start(nodeId, ctx.logger, this.options.dockerHost);
      this.heartbeat.attachWatchdog(this.watchdog);
      await this.heartbeat.beat();
    }
    // Leftovers of an earlier process of this node first, then the tasks it held: nothing runs them.
    await this.reconciler.run();
    await this.heartbeat.recoverOrphans(true);

    this.unsubscribe.push(await ctx.events.onCancel((taskId) => this.local.stop(taskId, 'cancel')));
    this.unsubscribe.push(await ctx.events.onWork((cluster) => {
      if (cluster === '*' || this.options.clusters.includes(cluster)) this.dispatcher.wake();
    }));
    this.cancelPoll = setInterval(() => void this.pollCancelled(), this.options.cancelPollMs ?? 2000);
    this.heartbeat.start();
    const reconcileMs = this.options.reconcileMs ?? ctx.settings.DOCKHAND_RECONCILE_MS;
    this.reconciler.start(reconcileMs);
    // Stacks built after the node started show up in its record too.
    this.stacksRefresh = setInterval(() => {
      void this.options.stacks?.().then((stacks) => { this.stacks = stacks; }, () => undefined);
    }, reconcileMs);
    // The egress policy is checked (and re-applied when a dockerd restart or a firewall reload took it) every few seconds.
    this.egressCheck = setInterval(() => void this.checkEgress(), EGRESS_CHECK_MS);
    await this.sweepEgressGrants();
    this.state = 'running';
    this.warmPool.start();
    this.dispatcher.start();
    ctx.logger.info(
      { node_id: nodeId, clusters: this.options.clusters, labels: this.options.labels ?? {}, slots: this.options.concurrency, memory_mb: this.memoryMb, engine: this.engine.id },
      'worker node running',
    );
  }

  /** The first heartbeat. Waits out a previous process of this node id that has not yet expired. */
  private async register(): Promise<void> {
    const deadline = Date.now() + this.ttlMs + 1000;
    for (;;) {
      const result = await this.heartbeat.beat();
      if (result.accepted) return;
      if (Date.now() > deadline) {
        throw new DhError('DH_ERR_NODE_ID_IN_USE', `Another live worker heartbeats as node "${this.deps.nodeId}" (last seen ${result.seenMsAgo} ms ago); stop it or start this worker with another --node-id.`);
      }
      await sleep(500);
    }
  }

  private report(): NodeReport {
    const capacity = this.local.capacity();
    return {
      id: this.deps.nodeId,
      state: this.state === 'running' || this.state === 'starting' ? 'running' : 'draining',
      clusters: this.options.clusters,
      labels: this.labels,
      slots_total: capacity.slotsTotal,
      slots_used: capacity.slotsUsed,
      memory_total: capacity.memoryTotalMb,
      memory_reserved: capacity.memoryReservedMb,
      running: this.runningTaskIds(),
      docker_version: this.engine.version,
      stacks: this.stacks,
      placement: Object.fromEntries(this.options.clusters.map((c) => [c, this.placementOf(c)])),
      started_at: this.startedAt,
      engine_id: this.engine.id,
      egress: this.deps.egress?.status ?? { mode: 'off' },
      userns_remap: this.engine.usernsRemap === true,
    };
  }

  /** Without a guard (DOCKHAND_EGRESS=off, or a bare test agent) network-enabled tasks run unfiltered, and say so. */
  private syncNetworkLabel(): void {
    if (this.deps.egress === undefined || this.deps.egress.mayRunNetworkTasks) this.labels[NETWORK_LABEL_KEY] = NETWORK_LABEL_VALUE;
    else delete this.labels[NETWORK_LABEL_KEY];
  }

  private async checkEgress(): Promise<void> {
    const had = this.labels[NETWORK_LABEL_KEY] !== undefined;
    await this.deps.egress?.refresh();
    this.syncNetworkLabel();
    if (had !== (this.labels[NETWORK_LABEL_KEY] !== undefined)) await this.heartbeat.beat().catch(() => undefined);
  }

  /** Grants of task containers that no longer run (an earlier process of this node died mid-task). */
  private async sweepEgressGrants(): Promise<void> {
    if (!this.deps.egress) return;
    const alive = new Set((await this.deps.runtime.list(MANAGED_LABEL).catch(() => [])).filter((c) => c.state === 'running').map((c) => c.name));
    const removed = await this.deps.egress.sweep(alive);
    if (removed > 0) this.deps.ctx.logger.info({ rules: removed }, 'removed egress grants of containers that no longer run');
  }

  private placementOf(cluster: string): PlacementStrategy {
    return this.options.placement?.[cluster] ?? this.options.defaultPlacement ?? 'spread';
  }

  private launch(held: Parameters<typeof executeTask>[1]): void {
    const attempt = this.local.add(held);
    const telemetry = beginAttemptTelemetry(this.deps, held, this.claimTimes.get(held.taskId));
    const done = executeTask({ ...this.deps, source: this.source, warmPool: this.warmPool }, held, attempt.controller.signal, telemetry)
      .then((result) => {
        if (!result.ran) telemetry.logger.info({ attempt: held.attempt, reason: result.reason }, 'task not run');
        else telemetry.logger.info({ attempt: held.attempt, status: result.outcome.status, settled: result.settled, duration_ms: result.outcome.durationMs }, 'attempt ended');
      })
      .catch((err: unknown) => {
        telemetry.abandoned('the attempt failed inside the worker');
        telemetry.logger.error({ err, attempt: held.attempt }, 'attempt failed inside the worker');
      })
      .finally(() => {
        this.local.remove(held);
        this.attempts.delete(done);
        this.dispatcher.wake();
      });
    this.attempts.add(done);
  }

  private async pollCancelled(): Promise<void> {
    for (const { held } of this.local.all()) {
      const task = await this.deps.ctx.tasks.get(held.taskId).catch(() => undefined);
      if (task?.status === 'cancelled') this.local.stop(held.taskId, 'cancel');
    }
  }

  /**
   * Drains and stops: no new claims (the node shows as draining), running attempts may finish within
   * `drainTimeoutMs`, then the rest are stopped and queued again. Safe to call more than once.
   */
  stop(options: { drainTimeoutMs?: number } = {}): Promise<void> {
    this.stopping ??= (async () => {
      const { ctx, nodeId } = this.deps;
      const drainTimeoutMs = options.drainTimeoutMs ?? ctx.settings.DOCKHAND_DRAIN_TIMEOUT_S * 1000;
      const wasRunning = this.state === 'running';
      this.state = 'draining';
      await this.dispatcher.stop();
      // Nothing more will be handed out: the warm containers go now, not after the drain.
      await this.warmPool.close();
      if (wasRunning) await this.heartbeat.beat().catch(() => undefined);
      ctx.logger.info({ node_id: nodeId, running: this.runningTaskIds(), drain_timeout_ms: drainTimeoutMs }, 'draining');
      const finished = await Promise.race([
        Promise.all([...this.attempts]).then(() => true),
        sleep(drainTimeoutMs).then(() => false),
      ]);
      if (!finished) {
        const stopped = this.local.stopAll('drain');
        ctx.logger.warn({ node_id: nodeId, stopped }, 'drain timeout passed; stopping running attempts and queueing them again');
        await Promise.all([...this.attempts]);
      }
      if (this.cancelPoll) clearInterval(this.cancelPoll);
      if (this.stacksRefresh) clearInterval(this.stacksRefresh);
      if (this.egressCheck) clearInterval(this.egressCheck);
      for (const unsubscribe of this.unsubscribe) unsubscribe();
      await this.reconciler.stop();
      await this.heartbeat.stop();
      // A node that still holds tasks (it could not record how an attempt ended) stays on record,
      // so that once it is lost the fleet takes them back.
      const held = await this.source.heldTaskIds(nodeId).catch(() => ['unknown']);
      if (held.length === 0) await ctx.nodes.deregister(nodeId, this.instance).catch(() => undefined);
      else ctx.logger.warn({ node_id: nodeId, tasks: held }, 'stopping while still holding tasks; the fleet will take them back once this node is lost');
      await this.watchdog?.bye();
      this.state = 'stopped';
      ctx.logger.info({ node_id: nodeId }, 'worker node stopped');
    })();
    return this.stopping;
  }
}
