/**
 * Reads the labels of the host a worker runs on (core/fleet/host-labels.ts says which win): the
 * engine's from `docker info`, and the Swarm node's when this engine is a Swarm manager (only managers
 * may read node records; on other nodes, engine labels carry a region, see docs/deploy.md).
 */
import type Docker from 'dockerode';
import type { Labels } from '../core/fleet/constraints.ts';
import { hostLabels } from '../core/fleet/host-labels.ts';
import type { Logger } from '../telemetry/logger.ts';

interface EngineInfo {
  Labels?: string[];
  Swarm?: { NodeID?: string; ControlAvailable?: boolean };
}

export async function readHostLabels(docker: Docker, own: Labels, logger: Logger): Promise<Labels> {
  const info = (await docker.info()) as EngineInfo;
  let nodeLabels: Record<string, string> = {};
  if (info.Swarm?.ControlAvailable && info.Swarm.NodeID) {
    const node = (await docker.getNode(info.Swarm.NodeID).inspect().catch(() => undefined)) as { Spec?: { Labels?: Record<string, string> } } | undefined;
    nodeLabels = node?.Spec?.Labels ?? {};
  }
  const { labels, skipped } = hostLabels(info.Labels ?? [], nodeLabels, own);
  if (skipped.length > 0) logger.warn({ skipped }, 'host labels that are not valid Dockhand labels were left out');
  return labels;
}
