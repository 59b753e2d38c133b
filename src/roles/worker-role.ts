/**
 * Starts the worker role in this process: a node agent on the local Docker engine (DOCKER_HOST)
 * serving the given clusters, with its labels, slots, declared memory and placement. Returns the
 * agent so the caller decides when to stop (drain) it.
 */
import os from 'node:os';
import Docker from 'dockerode';
import type { Labels } from '../core/fleet/constraints.ts';
import type { PlacementStrategy } from '../core/fleet/placement.ts';
import type { AppContext } from '../service/context.ts';
import { DockerRuntime } from '../runtime/docker-runtime.ts';
import { stackInventory } from '../stacks/inventory.ts';
import { assertRuntimeRegistered } from '../runtime/oci-runtime.ts';
import { DockerImageResolver } from '../worker/image-resolver.ts';
import { readHostLabels } from '../host/read-host-labels.ts';
import { ImageCollector } from '../stacks/image-collector.ts';
import { StackImagePuller } from '../stacks/image-puller.ts';
import { ContainerWatchdog } from '../worker/watchdog-container.ts';
import { NodeAgent, type AgentOptions } from '../worker/node-agent.ts';
import { EgressGuard, type EgressFirewall } from '../worker/egress-guard.ts';
import type { EgressNetwork } from '../host/egress/rules.ts';
import { IptablesEgress } from '../host/egress/iptables.ts';
import { hostTaskResolvers } from '../host/egress/resolvers.ts';
import { startMetricsServer, type MetricsServer } from '../telemetry/metrics-server.ts';

export interface WorkerRoleOptions {
  clusters: string[];
  concurrency: number;
  nodeId?: string;
  labels?: Labels;
  /** Declared memory in MiB; default: the engine's host memory. */
  memoryMb?: number;
  placement?: Record<string, PlacementStrategy>;
  defaultPlacement?: PlacementStrategy;
  /** The dead-man's switch process; on unless turned off (in-process test fleets). */
  watchdog?: boolean;
  docker?: Docker;
  /** Timing overrides (heartbeat, time-to-live, ...), mostly for tests. */
  timing?: Pick<AgentOptions, 'heartbeatMs' | 'ttlMs' | 'reconcileMs' | 'placementStepMs' | 'pollMs'>;
  /** The firewall of the engine's host; default: iptables in this process's own network namespace. */
  egressFirewall?: (network: EgressNetwork) => EgressFirewall;
  /** Serve GET /metrics on this port (0: any free port); for a worker with no API in its process. */
  metricsPort?: number;
  /** Warm containers kept ready (default DOCKHAND_WARM; 0: none). */
  warm?: number;
}

export interface WorkerRole {
  agent: NodeAgent;
  runtime: DockerRuntime;
  nodeId: string;
  /** The metrics listener, when one was asked for. */
  metrics?: MetricsServer;
  /** Drains and stops the agent, then the metrics listener. */
  stop(options?: { drainTimeoutMs?: number }): Promise<void>;
}

export async function startWorkerRole(ctx: AppContext, options: WorkerRoleOptions): Promise<WorkerRole> {
  const docker = options.docker ?? new Docker();
  const runtime = new DockerRuntime(docker);
  await runtime.ping();
  const ociRuntime = ctx.settings.DOCKHAND_RUNTIME;
  if (ociRuntime) assertRuntimeRegistered(ociRuntime, await runtime.runtimes());
  const taskNetwork = ctx.settings.DOCKHAND_TASK_NETWORK;
  await runtime.ensureTaskNetwork(taskNetwork);
  const taskDns = hostTaskResolvers(ctx.settings.DOCKHAND_TASK_DNS);
  const egress = await EgressGuard.start({
    firewall: ctx.settings.DOCKHAND_EGRESS === 'off' ? undefined : (options.egressFirewall ?? ((network) => new IptablesEgress(network)))({ ...(await runtime.taskNetworkFacts(taskNetwork)), resolvers: taskDns }),
    logger: ctx.logger,
  });
  const nodeId = options.nodeId ?? ctx.settings.DOCKHAND_NODE_ID ?? os.hostname();
  const dockerHost = dockerHostOf(docker);
  const labels = ctx.settings.DOCKHAND_HOST_LABELS === 'on' ? await readHostLabels(docker, options.labels ?? {}, ctx.logger) : options.labels;
  const puller = ctx.settings.DOCKHAND_REGISTRY ? new StackImagePuller(docker, ctx.catalog, ctx.settings.DOCKHAND_REGISTRY, ctx.logger) : undefined;
  const agent = new NodeAgent(
    {
      ctx,
      runtime,
      images: new DockerImageResolver(docker, ctx.catalog, runtime),
      nodeId,
      ...(ociRuntime ? { ociRuntime } : {}),
      taskNetwork,
      taskDns,
      egress,
      // A task of a stack this node lacks went back to the queue; pull now rather than at the next pass.
      ...(puller ? { onStackMissing: () => void puller.pass() } : {}),
    },
    {
      clusters: options.clusters,
      concurrency: options.concurrency,
      ...(labels ? { labels } : {}),
      ...(options.memoryMb !== undefined ? { memoryMb: options.memoryMb } : {}),
      ...(options.placement ? { placement: options.placement } : {}),
      ...(options.defaultPlacement ? { defaultPlacement: options.defaultPlacement } : {}),
      ...(options.watchdog !== undefined ? { watchdog: options.watchdog } : {}),
      ...(dockerHost ? { dockerHost } : {}),
      ...(ctx.settings.DOCKHAND_WATCHDOG === 'container' ? { startWatchdog: (id: string) => ContainerWatchdog.start(docker, id, ctx.logger) } : {}),
      ...options.timing,
      warm: { max: options.warm ?? ctx.settings.DOCKHAND_WARM, idleMs: ctx.settings.DOCKHAND_WARM_IDLE_S * 1000 },
      stacks: async () => (await stackInventory(docker, ctx.catalog)).filter((row) => row.state === 'built').map((row) => row.name),
    },
  );
  // Stack images reach this node from the registry, never while a task waits: a fresh node first pulls
  // what the registry holds (so it never claims a task of a stack it is still pulling), then checks in
  // the background for stacks built later (docs/deploy.md).
  if (puller) {
    ctx.logger.info({ registry: ctx.settings.DOCKHAND_REGISTRY }, 'pulling the stack images of the registry before taking tasks');
    await puller.pass();
    puller.start(options.timing?.reconcileMs ?? ctx.settings.DOCKHAND_RECONCILE_MS);
  }
  await agent.start();
  // Superseded stack images and unused derived images go by the labels the engine keeps (docs/operations.md).
  const gcMinutes = ctx.settings.DOCKHAND_IMAGE_GC_MINUTES;
  const collector = gcMinutes > 0 ? new ImageCollector(docker, ctx.catalog, ctx.codes, ctx.logger, { graceS: 3600 }) : undefined;
  collector?.start(gcMinutes * 60_000);
  // The clusters this node serves show a depth even before any task was queued to them.
  ctx.metrics.trackQueueDepth(async () => Object.fromEntries(await Promise.all(options.clusters.map(async (c) => [c, await ctx.queue.depth(c)] as const))));
  const untrack = ctx.metrics.trackNode(nodeId, () => {
    const running = agent.runningTaskIds().length;
    return { running, slots: options.concurrency };
  });
  const metrics = options.metricsPort !== undefined ? await startMetricsServer(ctx.metrics, { port: options.metricsPort, host: ctx.settings.DOCKHAND_HOST }) : undefined;
  if (metrics) ctx.logger.info({ url: metrics.url, node_id: nodeId }, 'worker metrics listening');
  return {
    agent,
    runtime,
    nodeId,
    ...(metrics ? { metrics } : {}),
    async stop(stopOptions = {}) {
      await puller?.stop();
      await collector?.stop();
      await agent.stop(stopOptions);
      untrack();
      await metrics?.close();
    },
  };
}

/** The address a dockerode client talks to, as DOCKER_HOST would name it (for the watchdog process). */
export function dockerHostOf(docker: Docker): string | undefined {
  const modem = docker.modem as { socketPath?: unknown; host?: string; port?: number | string };
  if (typeof modem.socketPath === 'string') return `unix://${modem.socketPath}`;
  if (modem.host) return `tcp://${modem.host}${modem.port !== undefined ? `:${modem.port}` : ''}`;
  return undefined;
}
