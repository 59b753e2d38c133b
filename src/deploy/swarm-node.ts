/**
 * The Swarm as `deploy swarm` needs it: this engine must be a manager, and one node carries the label
 * `dockhand.state=true` (Redis, the registry and the API's code store keep their volumes there). When
 * no node has it, the manager running the deploy gets it.
 *
 *   const manager = await swarmManager(docker);   // { nodeId } or DH_ERR_CONFIG saying what to do
 *   await ensureStateNode(docker, manager, log);
 */
import type Docker from 'dockerode';
import { DhError } from '../core/errors.ts';
import type { ProgressLog } from '../host/progress.ts';

export const STATE_LABEL = 'dockhand.state';

export interface SwarmManager {
  nodeId: string;
}

export async function swarmManager(docker: Docker): Promise<SwarmManager> {
  const info = (await docker.info()) as { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean; NodeID?: string } };
  const swarm = info.Swarm;
  if (swarm?.LocalNodeState !== 'active') {
    throw new DhError('DH_ERR_CONFIG', 'This Docker engine is not part of a Swarm: run `docker swarm init` (or `docker swarm join`) first, or use deploy/compose.yaml for one host.');
  }
  if (!swarm.ControlAvailable || !swarm.NodeID) {
    throw new DhError('DH_ERR_CONFIG', 'This Docker engine is a Swarm worker, not a manager: run `dockhand deploy swarm` on a manager (`docker node ls` works there).');
  }
  return { nodeId: swarm.NodeID };
}

interface NodeRecord {
  ID: string;
  Version: { Index: number };
  Spec: { Labels?: Record<string, string>; Role?: string; Availability?: string };
  Description?: { Hostname?: string };
}

export async function ensureStateNode(docker: Docker, manager: SwarmManager, log: ProgressLog): Promise<string> {
  const nodes = (await docker.listNodes()) as NodeRecord[];
  const labelled = nodes.filter((node) => node.Spec.Labels?.[STATE_LABEL] === 'true');
  if (labelled.length > 1) {
    throw new DhError('DH_ERR_CONFIG', `${labelled.length} nodes carry ${STATE_LABEL}=true; Redis and the registry keep their data on one node, so remove the label from all but one (\`docker node update --label-rm ${STATE_LABEL} <node>\`).`);
  }
  if (labelled[0]) return labelled[0].ID;
  const self = nodes.find((node) => node.ID === manager.nodeId);
  if (!self) throw new DhError('DH_ERR_INTERNAL', `This manager (${manager.nodeId}) is not in its own node list.`);
  // The engine takes the node's version as a query parameter and the whole new spec as the body.
  await docker.getNode(self.ID).update({ _query: { version: self.Version.Index }, _body: { ...self.Spec, Labels: { ...self.Spec.Labels, [STATE_LABEL]: 'true' } } });
  log(`labelled this node (${self.Description?.Hostname ?? self.ID}) ${STATE_LABEL}=true: Redis, the registry and the code store keep their volumes here`);
  return self.ID;
}
