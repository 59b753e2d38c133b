/**
 * A Docker Swarm of several real engines on one machine. Every node, the manager included, is a
 * `dockerd` in a network namespace the lab makes (its own data root, exec root, pid file, unix
 * socket, bridge address, containerd namespace, cgroup, host name and private /run), cabled by a veth
 * pair to a bridge that lives in a namespace of its own. Addresses (all inside those namespaces):
 *   10.213.0.0/24   the nodes' network (node N is 10.213.0.(10+N)); the manager listens on :2377
 *   10.214.0.0/16   Swarm's overlay pool (--default-addr-pool)
 *   10.215.N.0/24   node N's docker0 (--bip); 10.216.0.0/16 its other local networks
 * Images come from the machine's engine (`docker save` once, `docker load` into each node): no
 * registry is reachable from the lab. The engines skip Swarm's pull-before-start when the image is
 * present (DOCKER_SERVICE_PREFER_OFFLINE_IMAGE), which otherwise stalls each task ~20 s on DNS.
 *
 * This kernel has no IPVS: Swarm's routing mesh and its virtual service IPs do not work here; publish
 * with `mode=host` and use `endpoint_mode: dnsrr` (docs/deploy.md says what that means for a user).
 *
 *   const lab = await startSwarmLab({ nodes: 3, images: ['dockhand/base-bookworm:latest'] });
 *   await lab.labelNode(lab.nodes[1]!, { region: 'eu-west' });
 *   await lab.docker(lab.manager, ['service', 'ls']);
 *   await lab.powerCut(lab.nodes[2]!);
 *   await lab.teardown();
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Dockerode from 'dockerode';
import { forwardIntoNamespace, type Forward } from './lab-forward.ts';
import {
  createBridgeNamespace, createNodeNamespace, deleteNetns, killCgroup, listCgroups, listNetns, processAlive, removeCgroup, run, tryRun,
} from './lab-host.ts';

const NODE_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'swarm-lab-node.sh');
const PREFIX = 'dhlab-';
const NETWORK = '10.213.0';

export interface LabNode {
  /** `n1`, `n2`, ... in order of creation. */
  name: string;
  index: number;
  /** Its address on the lab network, also its host name's address for Swarm. */
  address: string;
  netns: string;
  hostname: string;
  /** `unix:///tmp/dhlab-<id>/n1/docker.sock`, for DOCKER_HOST. */
  dockerHost: string;
  docker: Dockerode;
  dir: string;
  /** Swarm node id, once it has joined. */
  swarmId: string;
}

export interface SwarmLabOptions {
  /** Engines to start (3 or more for a real Swarm); the first is the manager. */
  nodes: number;
  /** Images copied from the machine's engine into every node. */
  images?: string[];
  /** Engine labels (`dockerd --label`) per node index (1-based). */
  engineLabels?: Record<number, Record<string, string>>;
  /**
   * Start a Swarm task from a present image without asking a registry first (default true). Off
   * when services pull from a registry inside the Swarm: the engines then try the registry, and a
   * task of a present image that no registry has starts after the failed pull (about 20 s here).
   */
  preferOfflineImages?: boolean;
}

export interface SwarmLab {
  id: string;
  dir: string;
  nodes: LabNode[];
  manager: LabNode;
  /** Seconds each phase took: namespaces, engines, images, swarm. */
  timings: Record<string, number>;
  /** `docker <args>` against one node's engine. */
  docker(node: LabNode, args: string[], options?: { timeoutMs?: number }): Promise<string>;
  /** A program run in the node's network namespace (e.g. curl to a published port). */
  exec(node: LabNode, program: string, args: string[], options?: { timeoutMs?: number; env?: NodeJS.ProcessEnv }): Promise<string>;
  /** A 127.0.0.1 port of this process that reaches `host:port` as seen from inside `node`. */
  forward(node: LabNode, port: number, host?: string): Promise<Forward>;
  /** `docker node update --label-add` for each label, from the manager. */
  labelNode(node: LabNode, labels: Record<string, string>): Promise<void>;
  /** Starts one more engine, loads the lab's images and joins it as a worker. */
  addNode(options?: { engineLabels?: Record<string, string> }): Promise<LabNode>;
  /** Kills the node's engine, containerd, shims and containers at once, as a host losing power. */
  powerCut(node: LabNode): Promise<void>;
  /** Starts a node's engine again on its data root; it rejoins the Swarm by itself. */
  restartEngine(node: LabNode): Promise<void>;
  teardown(): Promise<void>;
}

export async function startSwarmLab(options: SwarmLabOptions): Promise<SwarmLab> {
  await cleanupStaleLabs();
  const id = randomBytes(2).toString('hex');
  // Unix socket paths are limited to 107 bytes: keep the directory short.
  const dir = `/tmp/${PREFIX}${id}`;
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'owner.pid'), `${process.pid}\n`);
  const bridgeNetns = `${PREFIX}${id}-br`;
  const nodes: LabNode[] = [];
  const timings: Record<string, number> = {};
  const images = options.images ?? [];
  const imageArchive = path.join(dir, 'images.tar');

  const docker = (node: LabNode, args: string[], opts: { timeoutMs?: number } = {}): Promise<string> =>
    run('docker', args, { env: { ...process.env, DOCKER_HOST: node.dockerHost }, ...opts });

  const makeNode = async (index: number, engineLabels: Record<string, string>): Promise<LabNode> => {
    const name = `n${index}`;
    const node: LabNode = {
      name, index, address: `${NETWORK}.${10 + index}`, netns: `${PREFIX}${id}-${name}`, hostname: `${PREFIX}${id}-${name}`,
      dockerHost: `unix://${dir}/${name}/docker.sock`, docker: new Dockerode({ socketPath: `${dir}/${name}/docker.sock` }),
      dir: path.join(dir, name), swarmId: '',
    };
    await mkdir(node.dir, { recursive: true });
    await writeFile(path.join(node.dir, 'daemon.json'), `${JSON.stringify({ labels: Object.entries(engineLabels).map(([k, v]) => `${k}=${v}`) })}\n`);
    await createNodeNamespace(node.netns, bridgeNetns, `veth${name}`, `${node.address}/24`);
    nodes.push(node);
    return node;
  };

  const startEngine = async (node: LabNode): Promise<void> => {
    const log = openSync(path.join(node.dir, 'dockerd.log'), 'a');
    const args = [
      `--net=/run/netns/${node.netns}`, 'unshare', '--mount', '--uts', '--propagation', 'slave',
      'sh', NODE_SCRIPT, node.dir, node.hostname, node.netns,
      '--config-file', path.join(node.dir, 'daemon.json'),
      '--data-root', path.join(node.dir, 'data'),
      '--exec-root', '/run/docker',
      '--pidfile', '/run/docker.pid',
      '-H', 'unix:///run/docker.sock',
      '-H', node.dockerHost,
      '--bip', `10.215.${node.index}.1/24`,
      '--default-address-pool', 'base=10.216.0.0/16,size=24',
      '--containerd-namespace', node.netns,
      '--containerd-plugins-namespace', `${node.netns}-plugins`,
      '--cgroup-parent', node.netns,
      '--log-level', 'warn',
    ];
    const child = spawn('nsenter', args, { detached: true, stdio: ['ignore', log, log], env: { ...process.env, DOCKER_SERVICE_PREFER_OFFLINE_IMAGE: options.preferOfflineImages === false ? '0' : '1' } });
    closeSync(log);
    child.unref();
    await writeFile(path.join(node.dir, 'engine.pid'), `${child.pid}\n`);
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await node.docker.ping();
        return;
      } catch {
        if (child.exitCode !== null || Date.now() > deadline) {
          const text = await readFile(path.join(node.dir, 'dockerd.log'), 'utf8').catch(() => '');
          throw new Error(`lab engine ${node.name} did not start:\n${text.slice(-3000)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };

  const loadImages = async (node: LabNode): Promise<void> => {
    if (images.length > 0) await docker(node, ['load', '-q', '-i', imageArchive], { timeoutMs: 600_000 });
  };

  const joinWorker = async (node: LabNode): Promise<void> => {
    const token = (await docker(nodes[0]!, ['swarm', 'join-token', '-q', 'worker'])).trim();
    await docker(node, ['swarm', 'join', '--token', token, '--advertise-addr', node.address, '--listen-addr', `${node.address}:2377`, `${nodes[0]!.address}:2377`]);
    node.swarmId = (await docker(node, ['info', '--format', '{{.Swarm.NodeID}}'])).trim();
  };

  const phase = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await work();
    timings[name] = Math.round(performance.now() - started) / 1000;
    return result;
  };

  const teardown = async (): Promise<void> => {
    // Leaving is quick on workers; the manager's leave removes the Swarm itself.
    await Promise.all(nodes.slice(1).map((node) => tryRun('docker', ['-H', node.dockerHost, 'swarm', 'leave', '--force'], { timeoutMs: 15_000 })));
    if (nodes[0]) await tryRun('docker', ['-H', nodes[0].dockerHost, 'swarm', 'leave', '--force'], { timeoutMs: 15_000 });
    await destroyLab(id);
  };

  try {
    await phase('namespaces', async () => {
      await createBridgeNamespace(bridgeNetns);
      for (let i = 1; i <= options.nodes; i++) await makeNode(i, options.engineLabels?.[i] ?? {});
    });
    await phase('engines', () => Promise.all(nodes.map(startEngine)));
    await phase('images', async () => {
      if (images.length > 0) await run('docker', ['save', '-o', imageArchive, ...images], { timeoutMs: 600_000 });
      await Promise.all(nodes.map(loadImages));
    });
    await phase('swarm', async () => {
      const manager = nodes[0]!;
      await docker(manager, ['swarm', 'init', '--advertise-addr', manager.address, '--listen-addr', `${manager.address}:2377`, '--default-addr-pool', '10.214.0.0/16']);
      manager.swarmId = (await docker(manager, ['info', '--format', '{{.Swarm.NodeID}}'])).trim();
      await Promise.all(nodes.slice(1).map(joinWorker));
    });
  } catch (err) {
    await teardown();
    throw err;
  }

  return {
    id, dir, nodes, manager: nodes[0]!, timings, docker, teardown,
    exec: (node, program, args, opts = {}) => run('nsenter', [`--net=/run/netns/${node.netns}`, program, ...args], opts),
    async labelNode(node, labels) {
      const adds = Object.entries(labels).flatMap(([k, v]) => ['--label-add', `${k}=${v}`]);
      await docker(nodes[0]!, ['node', 'update', ...adds, node.swarmId]);
    },
    async addNode(opts = {}) {
      const node = await makeNode(Math.max(...nodes.map((n) => n.index)) + 1, opts.engineLabels ?? {});
      await startEngine(node);
      await loadImages(node);
      await joinWorker(node);
      return node;
    },
    forward: (node, port, host) => forwardIntoNamespace(node.netns, path.join(node.dir, `fwd-${port}.sock`), host ?? node.address, port),
    async powerCut(node) {
      await killCgroup(node.netns);
    },
    async restartEngine(node) {
      await startEngine(node);
    },
  };
}

/**
 * Removes a lab whatever state it is in: kills every process of its nodes (engines, containerd,
 * shims, containers), deletes its namespaces (and with them the veths and the bridge), its cgroups
 * and its directory (data roots included; their mounts lived in the nodes' own mount namespaces).
 */
export async function destroyLab(id: string): Promise<void> {
  const prefix = `${PREFIX}${id}-`;
  const dir = `/tmp/${PREFIX}${id}`;
  const cgroups = await listCgroups(prefix);
  // No clean engine stop: it would give every container its 10 s grace; nothing of the lab is kept.
  for (const cgroup of cgroups) await killCgroup(cgroup);
  for (const cgroup of cgroups) await removeCgroup(cgroup);
  for (const netns of await listNetns()) if (netns.startsWith(prefix)) await deleteNetns(netns);
  await rm(dir, { recursive: true, force: true });
}

/** Labs left by a test process that died before its teardown ran. */
export async function cleanupStaleLabs(): Promise<string[]> {
  const ids = new Set<string>();
  for (const netns of await listNetns()) if (netns.startsWith(PREFIX)) ids.add(netns.slice(PREFIX.length).split('-')[0]!);
  for (const cgroup of await listCgroups(PREFIX)) ids.add(cgroup.slice(PREFIX.length).split('-')[0]!);
  for (const entry of await readdir('/tmp').catch(() => [] as string[])) if (entry.startsWith(PREFIX)) ids.add(entry.slice(PREFIX.length));
  const stale: string[] = [];
  for (const id of ids) {
    const owner = Number((await readFile(`/tmp/${PREFIX}${id}/owner.pid`, 'utf8').catch(() => '')).trim());
    if (owner > 0 && owner !== process.pid && processAlive(owner)) continue;
    if (owner === process.pid) continue;
    await destroyLab(id);
    stale.push(id);
  }
  return stale;
}
