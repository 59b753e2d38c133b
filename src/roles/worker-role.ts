/**
 * Starts the worker role in this process: a node agent on the local Docker engine serving the given
 * clusters. Returns the agent so the caller decides when to stop it.
 */
import os from 'node:os';
import Docker from 'dockerode';
import type { AppContext } from '../service/context.ts';
import { DockerRuntime } from '../runtime/docker-runtime.ts';
import { DockerImageResolver } from '../worker/image-resolver.ts';
import { NodeAgent } from '../worker/node-agent.ts';
import { startMetricsServer, type MetricsServer } from '../telemetry/metrics-server.ts';

export interface WorkerRoleOptions {
  clusters: string[];
  concurrency: number;
  nodeId?: string;
  docker?: Docker;
  /** Serve GET /metrics on this port (0: any free port); for a worker with no API in its process. */
  metricsPort?: number;
}

export interface WorkerRole {
  agent: NodeAgent;
  runtime: DockerRuntime;
  nodeId: string;
  /** The metrics listener, when one was asked for. */
  metrics?: MetricsServer;
  /** Stops the agent (draining it) and the metrics listener. */
  stop(): Promise<void>;
}

export async function startWorkerRole(ctx: AppContext, options: WorkerRoleOptions): Promise<WorkerRole> {
  const docker = options.docker ?? new Docker();
  const runtime = new DockerRuntime(docker);
  await runtime.ping();
  const nodeId = options.nodeId ?? ctx.settings.DOCKHAND_NODE_ID ?? os.hostname();
  const agent = new NodeAgent(
    {
      ctx,
      runtime,
      images: new DockerImageResolver(docker, ctx.catalog, runtime),
      nodeId,
      ...(ctx.settings.DOCKHAND_RUNTIME ? { ociRuntime: ctx.settings.DOCKHAND_RUNTIME } : {}),
    },
    { clusters: options.clusters, concurrency: options.concurrency },
  );
  await agent.start();
  // Register the clusters served, so their queue depth is on /metrics before any task arrives.
  for (const cluster of options.clusters) ctx.queue.queue(cluster);
  const untrack = ctx.metrics.trackNode(nodeId, () => ({ running: agent.runningTaskIds().length, slots: options.concurrency }));
  const metrics = options.metricsPort !== undefined ? await startMetricsServer(ctx.metrics, { port: options.metricsPort, host: ctx.settings.DOCKHAND_HOST }) : undefined;
  if (metrics) ctx.logger.info({ url: metrics.url }, 'worker metrics listening');
  return {
    agent,
    runtime,
    nodeId,
    ...(metrics ? { metrics } : {}),
    async stop() {
      await agent.stop();
      untrack();
      await metrics?.close();
    },
  };
}
