/**
 * Recovery time after SIGKILL of a worker mid-task, with the default heartbeat (2 s) and node
 * time-to-live (10 s). Two `dockhand worker` processes share Dockhand's Redis; each round queues a
 * long task, waits until it runs on node-a, kills node-a with SIGKILL and measures until the task runs
 * again, as attempt 2, on node-b (its container started). Then node-a comes back (removing its
 * leftover container) for the next round. Needs what `npm test` provisions (Redis, the shell stack).
 *
 *   npx tsx bench/fleet-recovery.ts        # 5 rounds
 *   npx tsx bench/fleet-recovery.ts 9      # 9 rounds
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { parseSettings } from '../src/core/settings.ts';
import { startServerRole } from '../src/roles/server-role.ts';
import { Dockhand } from '../src/sdk/index.ts';
import { createContext, type AppContext } from '../src/service/context.ts';
import { percentile } from './stats.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rounds = Number(process.argv[2] ?? 5);
process.env['REDIS_URL'] ??= 'redis://127.0.0.1:6390';

const prefix = `dhbench:${randomBytes(4).toString('hex')}:`;
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-recovery-'));
const ctx = await createContext(parseSettings({ ...process.env, DOCKHAND_REDIS_PREFIX: prefix, DOCKHAND_DATA_DIR: dataDir, DOCKHAND_PORT: '0', DOCKHAND_HOST: '127.0.0.1', DOCKHAND_LOG_LEVEL: 'warn' }));
const { app, url } = await startServerRole(ctx);
const { project, token } = await ctx.projects.create('recovery');
const client = new Dockhand({ url, token });

function startWorker(nodeId: string): ChildProcess {
  return spawn(process.execPath, [path.join(ROOT, 'bin/dockhand.js'), 'worker', '--node-id', nodeId, '--concurrency', '2'], {
    cwd: ROOT,
    env: { ...process.env, DOCKHAND_REDIS_PREFIX: prefix, DOCKHAND_DATA_DIR: dataDir, DOCKHAND_LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
}

async function until<T>(check: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function nodeRunning(context: AppContext, id: string): Promise<true | undefined> {
  return (await context.nodes.get(id))?.state === 'running' ? true : undefined;
}

const workers: ChildProcess[] = [];
const results: { lostAfterMs: number; runningAgainAfterMs: number }[] = [];
try {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-recovery-code-'));
  await writeFile(path.join(dir, 'main.sh'), 'echo started; sleep 600\n');
  await client.codes.upload(dir, { name: 'long', stack: 'shell', max_concurrency: 1 });
  await rm(dir, { recursive: true, force: true });

  const survivor = startWorker('node-b');
  workers.push(survivor);
  await until(() => nodeRunning(ctx, 'node-b'));
  for (let round = 1; round <= rounds; round++) {
    const victim = startWorker('node-a');
    workers.push(victim);
    await until(() => nodeRunning(ctx, 'node-a'));
    // Both idle: spread breaks the tie by id, so node-a takes the task.
    const task = await client.tasks.queue('long', {});
    const first = await until(async () => {
      const t = await client.tasks.get(task.id);
      return t.status === 'running' ? t : undefined;
    });
    if (first.node_id !== 'node-a') throw new Error(`round ${round}: the task ran on ${first.node_id}, not node-a`);
    await new Promise((resolve) => setTimeout(resolve, 1000));

    const killedAt = Date.now();
    victim.kill('SIGKILL');
    const lostAt = await until(async () => ((await ctx.nodes.get('node-a'))?.state === 'lost' ? Date.now() : undefined));
    const againAt = await until(async () => {
      const t = await client.tasks.get(task.id);
      return t.status === 'running' && t.node_id === 'node-b' && t.attempts === 2 ? Date.now() : undefined;
    });
    results.push({ lostAfterMs: lostAt - killedAt, runningAgainAfterMs: againAt - killedAt });
    process.stderr.write(`round ${round}: node lost after ${lostAt - killedAt} ms, task running again on node-b after ${againAt - killedAt} ms\n`);
    await client.tasks.cancel(task.id);
    await client.tasks.wait(task.id, { timeoutMs: 30_000 });
  }
  const again = results.map((r) => r.runningAgainAfterMs);
  console.log(`SIGKILL recovery over ${rounds} rounds (heartbeat ${ctx.settings.DOCKHAND_HEARTBEAT_MS} ms, node TTL ${ctx.settings.DOCKHAND_NODE_TTL_MS} ms):`);
  console.log(`  running again on another node: median ${percentile(again, 50)} ms, min ${Math.min(...again)} ms, max ${Math.max(...again)} ms`);
  console.log(`  node shown as lost:            median ${percentile(results.map((r) => r.lostAfterMs), 50)} ms`);
} finally {
  for (const worker of workers) if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGTERM');
  await Promise.all(workers.map((w) => (w.exitCode === null && w.signalCode === null ? new Promise((resolve) => w.once('exit', resolve)) : Promise.resolve())));
  // The last killed node never came back to remove its container.
  const docker = new Docker();
  for (const c of await docker.listContainers({ all: true, filters: { label: [`dockhand.project=${project.id}`] } })) {
    await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
  }
  await app.close();
  const keys = await ctx.redis.keys(`${prefix}*`);
  for (let i = 0; i < keys.length; i += 500) await ctx.redis.del(...keys.slice(i, i + 500));
  await ctx.close();
  await rm(dataDir, { recursive: true, force: true });
}
process.exit(0);
