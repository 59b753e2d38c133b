/**
 * A worker that runs in a container (Dockhand's own image, DOCKHAND_WATCHDOG=container, as the Swarm
 * stack and the compose file run it) is killed with `docker kill` mid-task. Its watchdog runs as a
 * container of its own, so it outlives the worker and kills the task containers at once, long before
 * the node's leases lapse: `docker ps`, sampled throughout, never shows more task containers than
 * the package's max_concurrency, and none keeps running after the kill. The tasks are taken back by
 * the fleet and complete on a worker started afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Dockerode from 'dockerode';
import { ensureServiceImage } from '../../src/deploy/service-images.ts';
import { docker } from '../helpers/docker.ts';
import { startFleet, type TestFleet } from '../helpers/fleet.ts';
import { removeProjectContainers, sampleRunning } from '../helpers/fleet-scenario.ts';
import { uploadScript } from '../helpers/security.ts';
import { eventually, startWorkerProcess, TEST_TIMING, type WorkerProcess } from '../helpers/worker-process.ts';

let fleet: TestFleet;
let workerContainer: Dockerode.Container | undefined;
let rescuer: WorkerProcess | undefined;
const NODE_ID = `boxed-${Math.random().toString(36).slice(2, 8)}`;

beforeAll(async () => {
  fleet = await startFleet({ worker: false });
  const image = await ensureServiceImage(docker(), fleet.ctx.catalog, 'dockhand', { log: () => undefined });
  workerContainer = await docker().createContainer({
    Image: image.ref,
    Cmd: ['worker', '--concurrency', '3', '--node-id', NODE_ID],
    User: '0:0',
    Env: [
      `REDIS_URL=${process.env.REDIS_URL ?? 'redis://127.0.0.1:6390'}`,
      `DOCKHAND_REDIS_PREFIX=${fleet.prefix}`,
      `DOCKHAND_API_URL=${fleet.url}`,
      'DOCKHAND_WATCHDOG=container',
      `DOCKHAND_HEARTBEAT_MS=${TEST_TIMING.heartbeatMs}`,
      `DOCKHAND_NODE_TTL_MS=${TEST_TIMING.ttlMs}`,
      'DOCKHAND_LOG_LEVEL=warn',
    ],
    Labels: { 'dockhand.test': fleet.prefix },
    HostConfig: { NetworkMode: 'host', Binds: ['/var/run/docker.sock:/var/run/docker.sock'] },
  });
  await workerContainer.start();
}, 900_000);

afterAll(async () => {
  await rescuer?.stop();
  await workerContainer?.remove({ force: true }).catch(() => undefined);
  await docker().getContainer(`dockhand-watchdog-${NODE_ID}`).remove({ force: true }).catch(() => undefined);
  if (fleet) await removeProjectContainers([docker()], fleet.projectId);
  await fleet?.stop();
});

describe('a containerized worker killed mid-task', () => {
  it('leaves no task container running, and the fleet completes its tasks elsewhere', async () => {
    await uploadScript(fleet, 'long', 'echo started; sleep 20; echo finished', { timeout: 120, max_concurrency: 2 });
    await eventually('the containerized worker to register', async () => ((await fleet.client.nodes.list()).some((n) => n.id === NODE_ID && n.state === 'running') ? true : undefined), 120_000, 500);
    const sampler = sampleRunning([docker()], { 'dockhand.project': fleet.projectId });
    const tasks = await fleet.client.tasks.queueMany(Array.from({ length: 3 }, () => ({ code_name: 'long' })));
    await eventually('two task containers running', async () => {
      const running = await docker().listContainers({ filters: { label: [`dockhand.project=${fleet.projectId}`], status: ['running'] } });
      return running.length === 2 ? running : undefined;
    }, 120_000, 200);
    expect((await docker().listContainers({ filters: { name: [`dockhand-watchdog-${NODE_ID}`] } })).length).toBe(1);

    await workerContainer!.kill();
    const killedAt = Date.now();
    await eventually('the task containers stopped', async () => {
      const running = await docker().listContainers({ filters: { label: [`dockhand.project=${fleet.projectId}`], status: ['running'] } });
      return running.length === 0 ? true : undefined;
    }, 10_000, 100);
    const stoppedWithin = Date.now() - killedAt;
    // Well before the leases lapse (the fleet takes tasks back only then).
    expect(stoppedWithin).toBeLessThan(TEST_TIMING.ttlMs * 0.8);

    rescuer = await startWorkerProcess(fleet, { nodeId: `${NODE_ID}-rescuer`, concurrency: 3 });
    const done = await Promise.all(tasks.map((t) => fleet.client.tasks.wait(t.id, { timeoutMs: 180_000 })));
    const { max, maxPerTask } = await sampler.stop();
    expect(done.map((t) => t.status)).toEqual(['complete', 'complete', 'complete']);
    expect(max).toBeLessThanOrEqual(2);
    expect(maxPerTask).toBe(1);
    process.stderr.write(`task containers stopped ${stoppedWithin} ms after docker kill of the worker\n`);
  }, 600_000);
});
