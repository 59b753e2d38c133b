/**
 * Starts the worker role in this process: a node agent on the local Docker engine serving the given
 * clusters. Returns the agent so the caller decides when to stop it.
 */
import os from 'node:os';
import Docker from 'dockerode';
import type { AppContext } from '../service/context.ts';
import { DockerRuntime } from '../runtime/docker-runtime.ts';
import { assertRuntimeRegistered } from '../runtime/oci-runtime.ts';
import { DockerImageResolver } from '../worker/image-resolver.ts';
import { NodeAgent } from '../worker/node-agent.ts';

export interface WorkerRoleOptions {
  clusters: string[];
  concurrency: number;
  nodeId?: string;
  docker?: Docker;
}

export async function startWorkerRole(ctx: AppContext, options: WorkerRoleOptions): Promise<{ agent: NodeAgent; runtime: DockerRuntime; nodeId: string }> {
  const docker = options.docker ?? new Docker();
  const runtime = new DockerRuntime(docker);
  await runtime.ping();
  const ociRuntime = ctx.settings.DOCKHAND_RUNTIME;
  if (ociRuntime) assertRuntimeRegistered(ociRuntime, await runtime.runtimes());
  const taskNetwork = ctx.settings.DOCKHAND_TASK_NETWORK;
  await runtime.ensureTaskNetwork(taskNetwork);
  const nodeId = options.nodeId ?? ctx.settings.DOCKHAND_NODE_ID ?? os.hostname();
  const agent = new NodeAgent(
    {
      ctx,
      runtime,
      images: new DockerImageResolver(docker, ctx.catalog, runtime),
      nodeId,
      ...(ociRuntime ? { ociRuntime } : {}),
      taskNetwork,
    },
    { clusters: options.clusters, concurrency: options.concurrency },
  );
  await agent.start();
  return { agent, runtime, nodeId };
}
