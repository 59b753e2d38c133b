/**
 * Warm, single-use containers on the real engine: a warm container runs exactly one task (with the
 * task's environment) and is gone after; two tasks never share one; its limits and isolation are a
 * cold container's; a task's timeout counts from the hand-off; the pool shrinks to zero when idle and
 * is emptied on stop and after a SIGKILL (watchdog, then reconciler). About 60 s.
 */
import type Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkerRole, type WorkerRole } from '../../src/roles/worker-role.ts';
import { docker } from '../helpers/docker.ts';
import { startFleet, type TestFleet } from '../helpers/fleet.ts';
import { uploadScript } from '../helpers/security.ts';
import { eventually, startWorkerProcess } from '../helpers/worker-process.ts';

let fleet: TestFleet;
let worker: WorkerRole | undefined;
const NODE = `warm-${process.pid}`;

beforeAll(async () => {
  fleet = await startFleet({ worker: false, env: { DOCKHAND_WARM_IDLE_S: '4' } });
  worker = await startWorkerRole(fleet.ctx, { clusters: ['default'], concurrency: 2, nodeId: NODE, watchdog: false, warm: 2 });
  const script = 'echo "host=$(hostname) task=$TASK_ID greeting=$GREETING"\nsleep "$(jq -r .sleep "$PAYLOAD_FILE")"\necho done';
  await uploadScript(fleet, 'warmable', script, { memory: 96, timeout: 30, env_vars: { GREETING: "it's warm" } });
  await uploadScript(fleet, 'short-fuse', script, { memory: 96, timeout: 2 });
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  for (const node of [NODE, `${NODE}-killed`]) {
    for (const c of await warmContainers(node)) await docker().getContainer(c.Id).remove({ force: true }).catch(() => undefined);
  }
  await fleet?.stop();
}, 60_000);

/** Every warm container of a node, handed or not, running or not. */
function warmContainers(node: string, status?: string): Promise<Dockerode.ContainerInfo[]> {
  return docker().listContainers({ all: true, filters: { label: ['dockhand.warm', `dockhand.node=${node}`], ...(status ? { status: [status] } : {}) } });
}

async function idleWarm(node: string): Promise<Dockerode.ContainerInfo[]> {
  return (await warmContainers(node, 'running')).filter((c) => c.Names[0]?.startsWith('/dh-warm-'));
}

async function run(code: string, sleep = 0): Promise<{ status: string; log: string; duration?: number }> {
  const queued = await fleet.client.tasks.queue(code, { payload: { sleep } });
  const task = await fleet.client.tasks.wait(queued.id, { timeoutMs: 60_000 });
  return { status: task.status, log: await fleet.client.tasks.log(task.id), ...(task.duration !== undefined ? { duration: task.duration } : {}) };
}

function hostOf(log: string): string {
  return /host=(\S+)/.exec(log)?.[1] ?? '';
}

const ISOLATION_FIELDS = ['Memory', 'MemorySwap', 'NanoCpus', 'PidsLimit', 'ReadonlyRootfs', 'CapDrop', 'CapAdd', 'SecurityOpt', 'Tmpfs', 'Ulimits', 'NetworkMode', 'Privileged', 'IpcMode', 'ShmSize', 'Runtime'] as const;

describe('warm containers', () => {
  it('runs exactly one task per warm container, with the task\'s environment, and removes it after', async () => {
    await run('warmable'); // cold: makes the class known
    const [ready] = await eventually('a warm container ready', async () => ((await idleWarm(NODE)).length > 0 ? idleWarm(NODE) : undefined));
    const first = await run('warmable');
    expect(first.status).toBe('complete');
    expect(ready!.Id.startsWith(hostOf(first.log))).toBe(true);
    expect(first.log).toContain("greeting=it's warm");
    expect(first.log).toMatch(/task=[0-9a-f]{24} /);
    await expect(docker().getContainer(ready!.Id).inspect()).rejects.toMatchObject({ statusCode: 404 });

    // Two tasks at once: two containers, never one twice.
    await eventually('two warm containers ready', async () => ((await idleWarm(NODE)).length >= 2 ? true : undefined));
    const [a, b] = await Promise.all([run('warmable', 1), run('warmable', 1)]);
    expect(hostOf(a.log)).not.toBe(hostOf(b.log));
    expect([hostOf(a.log), hostOf(b.log)]).not.toContain(hostOf(first.log));
  }, 120_000);

  it('has exactly the limits and isolation of a cold container of the same package', async () => {
    const [warm] = await eventually('a warm container ready', async () => ((await idleWarm(NODE)).length > 0 ? idleWarm(NODE) : undefined));
    const warmInfo = await docker().getContainer(warm!.Id).inspect();
    // Hold the pool's containers back: with both slots busy, the next task of the class runs cold.
    await worker!.stop();
    worker = await startWorkerRole(fleet.ctx, { clusters: ['default'], concurrency: 2, nodeId: `${NODE}-cold`, watchdog: false, warm: 0 });
    const queued = await fleet.client.tasks.queue('warmable', { payload: { sleep: 3 } });
    const cold = await eventually('the cold container running', async () => {
      const [c] = await docker().listContainers({ filters: { label: [`dockhand.task=${queued.id}`], status: ['running'] } });
      return c;
    });
    const coldInfo = await docker().getContainer(cold.Id).inspect();
    for (const field of ISOLATION_FIELDS) expect(warmInfo.HostConfig[field as keyof typeof warmInfo.HostConfig], field).toEqual(coldInfo.HostConfig[field as keyof typeof coldInfo.HostConfig]);
    expect(warmInfo.Config.User).toBe(coldInfo.Config.User);
    expect(warmInfo.Config.Image).toBe(coldInfo.Config.Image);
    await fleet.client.tasks.wait(queued.id, { timeoutMs: 30_000 });
    await worker.stop();
    worker = await startWorkerRole(fleet.ctx, { clusters: ['default'], concurrency: 2, nodeId: NODE, watchdog: false, warm: 2 });
  }, 120_000);

  it('removes the pool\'s containers when the node stops', async () => {
    await run('warmable');
    await eventually('a warm container ready', async () => ((await idleWarm(NODE)).length > 0 ? true : undefined));
    await worker!.stop();
    worker = undefined;
    expect(await warmContainers(NODE)).toEqual([]);
    worker = await startWorkerRole(fleet.ctx, { clusters: ['default'], concurrency: 2, nodeId: NODE, watchdog: false, warm: 2 });
  }, 60_000);

  it('counts a task\'s timeout from the hand-off, however long the container waited warm', async () => {
    await run('short-fuse');
    await eventually('a warm container ready', async () => ((await idleWarm(NODE)).length > 0 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const warmNames = new Set((await idleWarm(NODE)).map((c) => c.Id));
    const timedOut = await run('short-fuse', 20);
    expect(timedOut.status).toBe('timeout');
    expect([...warmNames].some((id) => id.startsWith(hostOf(timedOut.log)))).toBe(true);
    expect(timedOut.duration).toBeGreaterThanOrEqual(1_900);
    expect(timedOut.duration).toBeLessThan(6_000);
  }, 60_000);

  it('shrinks to zero once no task has asked for a class for the idle time', async () => {
    await eventually('the pool empty', async () => ((await warmContainers(NODE)).length === 0 ? true : undefined), 20_000, 250);
  }, 30_000);

  it('leaves nothing of the pool after a SIGKILL: the watchdog stops it and the next start removes it', async () => {
    const node = `${NODE}-killed`;
    await worker?.stop();
    worker = undefined;
    const killed = await startWorkerProcess(fleet, { nodeId: node, env: { DOCKHAND_WARM: '2' } });
    await run('warmable');
    await eventually('a warm container ready on the node', async () => ((await idleWarm(node)).length > 0 ? true : undefined));
    killed.kill('SIGKILL');
    await killed.exited;
    await eventually('the watchdog stopped the pool', async () => ((await warmContainers(node, 'running')).length === 0 ? true : undefined), 15_000);
    const again = await startWorkerProcess(fleet, { nodeId: node });
    try {
      expect(await warmContainers(node)).toEqual([]);
    } finally {
      await again.stop();
    }
  }, 120_000);
});
