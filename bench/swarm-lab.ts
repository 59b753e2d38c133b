/**
 * `npm run swarm`: the fleet on the lab Swarm of real engines (test/helpers/swarm-lab.ts), each node a
 * dockerd in a namespace of its own with a `dockhand worker` whose DOCKER_HOST is that engine, one
 * API and Dockhand's Redis on this machine. Measures
 *   - the lab's start (namespaces, engines, images, Swarm),
 *   - tasks per second with 1, 2 and 3 nodes (no-op tasks queued at once, until all are complete),
 *   - recovery after a node's power cut mid-task (engine, containerd, shims, containers and its
 *     worker killed at once): until the task runs again on another node, and until it completes.
 * Needs root, what `npm test` provisions, and Dockhand's base test image (built on first use).
 *
 *   npm run swarm            # 30 tasks per round
 *   npm run swarm -- 60      # 60 tasks per round
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseSettings } from '../src/core/settings.ts';
import { startServerRole } from '../src/roles/server-role.ts';
import { Dockhand } from '../src/sdk/index.ts';
import { createContext } from '../src/service/context.ts';
import { ensureBaseImage, BASE_TEST_IMAGE } from '../test/helpers/docker.ts';
import { startSwarmLab, type LabNode, type SwarmLab } from '../test/helpers/swarm-lab.ts';
import { eventually, startWorkerProcess, TEST_TIMING, type WorkerProcess } from '../test/helpers/worker-process.ts';

const perRound = Number(process.argv[2] ?? 30);
process.env['REDIS_URL'] ??= 'redis://127.0.0.1:6390';

await ensureBaseImage();
const labStarted = performance.now();
const lab: SwarmLab = await startSwarmLab({ nodes: 3, images: [BASE_TEST_IMAGE] });
const labSeconds = (performance.now() - labStarted) / 1000;
console.log(`lab of 3 engines up in ${labSeconds.toFixed(1)} s (${Object.entries(lab.timings).map(([k, v]) => `${k} ${v} s`).join(', ')})`);

const prefix = `dhbench:${randomBytes(4).toString('hex')}:`;
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-swarm-bench-'));
const ctx = await createContext(parseSettings({ ...process.env, DOCKHAND_REDIS_PREFIX: prefix, DOCKHAND_DATA_DIR: dataDir, DOCKHAND_PORT: '0', DOCKHAND_HOST: '127.0.0.1', DOCKHAND_LOG_LEVEL: 'warn' }));
const { app, url } = await startServerRole(ctx);
const { token } = await ctx.projects.create('swarm-bench');
const client = new Dockhand({ url, token });
// The shape startWorkerProcess expects of a fleet: where its Redis, prefix and data dir are.
const fleet = { ctx, prefix, dataDir } as Parameters<typeof startWorkerProcess>[0];
const workers = new Map<string, WorkerProcess>();

async function startNodeWorker(node: LabNode): Promise<WorkerProcess> {
  const worker = await startWorkerProcess(fleet, { nodeId: `lab-${node.name}`, concurrency: 4, dockerHost: node.dockerHost, labels: [`lab-node=${node.name}`] });
  workers.set(node.name, worker);
  return worker;
}

async function runRound(count: number): Promise<number> {
  const started = performance.now();
  const tasks = await client.tasks.queueMany(Array.from({ length: count }, () => ({ code_name: 'noop' })));
  for (const task of tasks) {
    const done = await client.tasks.wait(task.id, { timeoutMs: 300_000 });
    if (done.status !== 'complete') throw new Error(`task ${task.id} ended ${done.status}`);
  }
  return count / ((performance.now() - started) / 1000);
}

try {
  await client.codes.upload(undefined, { name: 'noop', image: BASE_TEST_IMAGE, command: 'true', memory: 64 });
  await client.codes.upload(undefined, { name: 'long', image: BASE_TEST_IMAGE, command: 'sleep 20', memory: 64 });
  for (const node of lab.nodes) {
    await startNodeWorker(node);
    await runRound(4); // warm-up: the new node's first containers
    const rate = await runRound(perRound);
    console.log(`${workers.size} node(s): ${rate.toFixed(2)} tasks/s (${perRound} no-op tasks, 4 slots a node)`);
  }

  // A power cut mid-task: the node's engine and everything on it, and its worker, at once.
  const task = await client.tasks.queue('long', {});
  const first = await eventually('the long task running', async () => {
    const t = await client.tasks.get(task.id);
    return t.status === 'running' ? t : undefined;
  }, 60_000, 50);
  const victim = lab.nodes.find((n) => `lab-${n.name}` === first.node_id)!;
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const cutAt = performance.now();
  workers.get(victim.name)!.kill('SIGKILL');
  await lab.powerCut(victim);
  const again = await eventually('the task running on another node', async () => {
    const t = await client.tasks.get(task.id);
    return t.status === 'running' && t.node_id !== first.node_id ? performance.now() : undefined;
  }, 120_000, 50);
  const done = await client.tasks.wait(task.id, { timeoutMs: 120_000 });
  const doneAt = performance.now();
  console.log(`power cut of ${victim.name} mid-task: running again on ${done.node_id} after ${((again - cutAt) / 1000).toFixed(1)} s, ${done.status} after ${((doneAt - cutAt) / 1000).toFixed(1)} s (attempt ${done.attempts}; the workers' heartbeat ${TEST_TIMING.heartbeatMs} ms, node TTL ${TEST_TIMING.ttlMs} ms; the task sleeps 20 s)`);
} finally {
  await Promise.all([...workers.values()].map((w) => w.stop()));
  await app.close();
  const keys = await ctx.redis.keys(`${prefix}*`);
  for (let i = 0; i < keys.length; i += 500) await ctx.redis.del(...keys.slice(i, i + 500));
  await ctx.close();
  await rm(dataDir, { recursive: true, force: true });
  await lab.teardown();
}
process.exit(0);
