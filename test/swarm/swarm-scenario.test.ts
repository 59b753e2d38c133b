/**
 * Dockhand on a Swarm of three real engines (the lab of test/helpers/swarm-lab.ts), deployed with the
 * project's own `dockhand deploy swarm` run on the manager: a worker on every node with its region
 * from its host, tasks with and without constraints each on a node it may use, code fetched by a node
 * that never had it, a drained node and a node's power cut mid-task with every task complete exactly
 * once, and a fresh node that joins and takes tasks. The images are built on this machine's engine
 * (`dockhand deploy build`) and loaded into the lab's engines: no registry is reachable from it.
 */
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../../src/core/model.ts';
import { Dockhand } from '../../src/sdk/index.ts';
import { dockhand, REPO_ROOT } from '../helpers/cli.ts';
import { docker } from '../helpers/docker.ts';
import { linesInLogs, sampleRunning } from '../helpers/fleet-scenario.ts';
import type { Forward } from '../helpers/lab-forward.ts';
import { uploadScript } from '../helpers/security.ts';
import { startSwarmLab, type LabNode, type SwarmLab } from '../helpers/swarm-lab.ts';
import { eventually } from '../helpers/worker-process.ts';

const BIN = path.join(REPO_ROOT, 'bin/dockhand.js');
const REGIONS: Record<number, string> = { 1: 'eu-west', 2: 'eu-west', 3: 'us-east' };
let lab: SwarmLab;
let api: Forward;
let client: Dockhand;
let dataDir: string;

/** The images `deploy swarm` looks for, with the bases and Debian images below them. */
async function imagesToLoad(built: Record<string, string>): Promise<string[]> {
  const refs = new Set<string>(Object.values(built));
  for (const ref of [...refs]) {
    const labels = (await docker().getImage(ref).inspect()).Config.Labels ?? {};
    if (labels['dockhand.base']) refs.add(labels['dockhand.base']);
    if (labels['dockhand.release']) refs.add(`debian:${labels['dockhand.release']}-slim`);
  }
  return [...refs];
}

beforeAll(async () => {
  const build = await dockhand(['deploy', 'build', '--stacks', 'shell', '--json'], {}, 900_000);
  if (build.code !== 0) throw new Error(`deploy build failed:\n${build.stderr}`);
  const images = await imagesToLoad(JSON.parse(build.stdout) as Record<string, string>);
  const labels = Object.fromEntries(Object.entries(REGIONS).map(([i, region]) => [Number(i), { region }]));
  const started = performance.now();
  // Services pull from the registry in the Swarm: the engines must try registries before starting.
  lab = await startSwarmLab({ nodes: 3, images, engineLabels: labels, preferOfflineImages: false });
  console.log(`lab up in ${((performance.now() - started) / 1000).toFixed(1)} s`, lab.timings);
  for (const node of lab.nodes) await lab.labelNode(node, { region: REGIONS[node.index]! });

  dataDir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-swarm-lab-'));
  const deployStarted = performance.now();
  // On the manager, as a user would: its 127.0.0.1 is where the stack publishes the API and registry.
  const out = await lab.exec(lab.manager, process.execPath, [BIN, 'deploy', 'swarm', '--stacks', 'shell', '--replicas', '2', '--timeout', '600', '--json'], {
    env: { ...process.env, DOCKER_HOST: lab.manager.dockerHost, DOCKHAND_DATA_DIR: dataDir },
    timeoutMs: 900_000,
  });
  const result = JSON.parse(out) as { url: string; seconds: number };
  console.log(`deploy swarm: ${result.seconds.toFixed(1)} s by its own count, ${((performance.now() - deployStarted) / 1000).toFixed(1)} s in all`);
  const credentials = JSON.parse(await readFile(path.join(dataDir, 'credentials.json'), 'utf8')) as { token: string };
  api = await lab.forward(lab.manager, 8080, '127.0.0.1');
  client = new Dockhand({ url: api.url, token: credentials.token });
}, 1_800_000);

afterAll(async () => {
  await api?.close();
  await lab?.teardown();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 120_000);

async function runningNodes(): Promise<Map<string, Record<string, string>>> {
  const nodes = await client.nodes.list();
  return new Map(nodes.filter((n) => n.state === 'running').map((n) => [n.id, n.labels]));
}

function regionOf(nodeId: string | undefined): string | undefined {
  const node = lab.nodes.find((n) => n.hostname === nodeId);
  return node ? REGIONS[node.index] ?? 'fresh' : undefined;
}

async function waitAll(tasks: readonly Task[]): Promise<Task[]> {
  return Promise.all(tasks.map((t) => client.tasks.wait(t.id, { timeoutMs: 300_000 })));
}

describe('Dockhand deployed on a three-engine Swarm', () => {
  it('runs a worker on every node, labelled with the region of its host', async () => {
    const nodes = await eventually('three running workers', async () => {
      const running = await runningNodes();
      return running.size === 3 ? running : undefined;
    }, 300_000, 1000);
    for (const node of lab.nodes) expect(nodes.get(node.hostname)?.['region']).toBe(REGIONS[node.index]);
  });

  it('places tasks with a constraint on its region, and tasks without one anywhere', async () => {
    await uploadScript(client, 'where', 'echo "ran on $(hostname)"; sleep 1', { timeout: 60 });
    const free = await client.tasks.queueMany(Array.from({ length: 6 }, () => ({ code_name: 'where' })));
    const east = await client.tasks.queueMany(Array.from({ length: 3 }, () => ({ code_name: 'where', constraints: { region: 'us-east' } })));
    const west = await client.tasks.queueMany(Array.from({ length: 3 }, () => ({ code_name: 'where', constraints: { region: 'eu-west' } })));
    const [freeDone, eastDone, westDone] = await Promise.all([waitAll(free), waitAll(east), waitAll(west)]);
    for (const t of [...freeDone, ...eastDone, ...westDone]) expect(t.status).toBe('complete');
    expect(eastDone.map((t) => regionOf(t.node_id))).toEqual(['us-east', 'us-east', 'us-east']);
    expect(westDone.map((t) => regionOf(t.node_id))).toEqual(['eu-west', 'eu-west', 'eu-west']);
    for (const t of freeDone) expect(regionOf(t.node_id)).toBeDefined();
  });

  it('has a node that never had the code fetch it from the API, by its sha256', async () => {
    // The code store is a volume on the manager; node 3 holds only what its worker fetched.
    const sha = (await client.codes.get('where')).archive_sha256!;
    const n3 = lab.nodes[2]!;
    const cached = await lab.docker(n3, ['run', '--rm', '--entrypoint', 'sh', '-v', 'dockhand_worker-data:/data', (await lab.docker(n3, ['images', '-q', 'dockhand/stack-shell'])).split('\n')[0]!,
      '-c', 'find /data -type f -name "*.tar.gz"']);
    expect(cached).toContain(sha);
  });

  it('completes every task exactly once while one node drains and another loses power mid-task', async () => {
    await uploadScript(client, 'steady', 'echo "start on $(hostname)"; sleep 6; echo "end"', { timeout: 120 });
    const [, n2, n3] = lab.nodes as [LabNode, LabNode, LabNode];
    const engines = lab.nodes.map((n) => n.docker);
    const sampler = sampleRunning(engines, { 'dockhand.code': 'steady' });
    const tasks = await client.tasks.queueMany(Array.from({ length: 12 }, () => ({ code_name: 'steady' })));
    await eventually('tasks running on nodes 2 and 3', async () => {
      const now = await Promise.all(tasks.map((t) => client.tasks.get(t.id)));
      const on = new Set(now.filter((t) => t.status === 'running').map((t) => t.node_id));
      return on.has(n2.hostname) && on.has(n3.hostname) ? true : undefined;
    }, 180_000, 200);
    const cutAt = performance.now();
    await lab.docker(lab.manager, ['node', 'update', '--availability', 'drain', n2.swarmId]);
    await lab.powerCut(n3);
    const done = await waitAll(tasks);
    const samples = await sampler.stop();
    console.log(`drain + power cut: all ${tasks.length} tasks complete ${((performance.now() - cutAt) / 1000).toFixed(1)} s after the cut`);
    for (const t of done) expect(t.status).toBe('complete');
    // Exactly once: no task ever had two containers running at once, and each log ends once.
    expect(samples.maxPerTask).toBeLessThanOrEqual(1);
    expect(await linesInLogs(client, done, 'end')).toEqual(done.map(() => 1));

    await lab.docker(lab.manager, ['node', 'update', '--availability', 'active', n2.swarmId]);
    await lab.restartEngine(n3);
  });

  it('takes tasks on a fresh node once it joins, with no other step', async () => {
    const fresh = await lab.addNode({ engineLabels: { region: 'ap-south' } });
    await eventually('a worker on the fresh node', async () => ((await runningNodes()).has(fresh.hostname) ? true : undefined), 300_000, 1000);
    const task = await client.tasks.queue('where', { constraints: { region: 'ap-south' } });
    const done = await client.tasks.wait(task.id, { timeoutMs: 300_000 });
    expect(done.status).toBe('complete');
    expect(done.node_id).toBe(fresh.hostname);
  });
});
