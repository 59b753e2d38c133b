/**
 * SIGTERM drains a worker: it shows as draining and takes nothing new, a task that ends within the
 * grace period ends there, a task that does not is stopped and queued again (and finishes on another
 * node), and the process exits 0. No task is lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, ensureBaseImage } from '../helpers/docker.ts';
import { startFleet, type TestFleet } from '../helpers/fleet.ts';
import { imagePackage, removeProjectContainers } from '../helpers/fleet-scenario.ts';
import { eventually, startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.ts';

let fleet: TestFleet;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  await ensureBaseImage();
  fleet = await startFleet({ worker: false });
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  if (fleet) await removeProjectContainers([docker()], fleet.projectId);
  await fleet?.stop();
});

describe('SIGTERM on a worker', () => {
  it('drains: finishes what ends within the grace period, queues the rest again, takes nothing new and exits 0', async () => {
    const leaving = await startWorkerProcess(fleet, { nodeId: 'node-leaving', concurrency: 2, drainTimeout: 3 });
    workers.push(leaving);
    await imagePackage(fleet, 'quick', 'echo quick; sleep 1.5; echo done');
    await imagePackage(fleet, 'slow', 'echo "slow on $(hostname)"; sleep 8; echo done');
    const quick = await fleet.client.tasks.queue('quick', {});
    const slow = await fleet.client.tasks.queue('slow', {});
    await eventually('both running on the leaving node', async () => {
      const now = await Promise.all([quick, slow].map((t) => fleet.client.tasks.get(t.id)));
      return now.every((t) => t.status === 'running' && t.node_id === 'node-leaving') ? true : undefined;
    });
    const staying = await startWorkerProcess(fleet, { nodeId: 'node-staying', concurrency: 2 });
    workers.push(staying);

    leaving.kill('SIGTERM');
    const draining = await eventually('the node shown as draining', async () => {
      const node = (await fleet.client.nodes.list()).find((n) => n.id === 'node-leaving');
      return node?.state === 'draining' ? node : undefined;
    }, 10_000, 50);
    expect(draining.running).toContain(slow.id);

    // A draining node takes nothing new.
    const late = await fleet.client.tasks.queue('quick', {});

    const exit = await leaving.exited;
    expect(exit).toEqual({ code: 0, signal: null });

    const [quickDone, slowDone, lateDone] = await Promise.all([quick, slow, late].map((t) => fleet.client.tasks.wait(t.id, { timeoutMs: 60_000 })));
    expect(quickDone).toMatchObject({ status: 'complete', attempts: 1, node_id: 'node-leaving' });
    expect(lateDone).toMatchObject({ status: 'complete', node_id: 'node-staying' });
    expect(slowDone).toMatchObject({ status: 'complete', attempts: 2, node_id: 'node-staying' });
    expect(slowDone?.attempt_history).toEqual([
      expect.objectContaining({ attempt: 1, node_id: 'node-leaving', status: 'drained' }),
      expect.objectContaining({ attempt: 2, node_id: 'node-staying', status: 'complete' }),
    ]);
    const log = await fleet.client.tasks.log(slow.id);
    expect(log).toContain('--- attempt 2 on node node-staying');
    expect(log).toContain('node node-leaving shut down during attempt 1; queued again');

    // The node left the registry cleanly and left no container behind.
    expect((await fleet.client.nodes.list()).map((n) => n.id)).toEqual(['node-staying']);
    expect(await docker().listContainers({ all: true, filters: { label: ['dockhand.node=node-leaving', `dockhand.project=${fleet.projectId}`] } })).toEqual([]);
  });
});

describe('SIGKILL on a worker that shares its engine with another', () => {
  it('has its task taken back by the other node, which also removes the container it left once it is lost', async () => {
    const doomed = await startWorkerProcess(fleet, { nodeId: 'node-doomed', concurrency: 1 });
    workers.push(doomed);
    await imagePackage(fleet, 'orphaned', 'echo started; sleep 4; echo done');
    // The other node holds still for a moment, so the doomed node surely takes the task.
    const staying = workers.find((w) => w.nodeId === 'node-staying')!;
    staying.kill('SIGSTOP');
    let task;
    try {
      task = await fleet.client.tasks.queue('orphaned', {});
      const id = task.id;
      await eventually('the task running on the doomed node', async () => {
        const t = await fleet.client.tasks.get(id);
        return t.status === 'running' && t.node_id === 'node-doomed' ? true : undefined;
      });
    } finally {
      staying.kill('SIGCONT');
    }
    doomed.kill('SIGKILL');
    await doomed.exited;

    const done = await fleet.client.tasks.wait(task.id, { timeoutMs: 60_000 });
    expect(done).toMatchObject({ status: 'complete', attempts: 2, node_id: 'node-staying' });
    const leftover = `dh-${task.id}-1`;
    await eventually('the dead node\'s container removed', async () => {
      const left = await docker().listContainers({ all: true, filters: { label: [`dockhand.task=${task.id}`] } });
      return left.length === 0 ? true : undefined;
    }, 30_000, 200);
    const reports = staying.log().split('\n').filter((line) => line.includes('reconciler removed')).map((line) => JSON.parse(line) as { removed: { container: string; reason: string; owner: string }[] });
    expect(reports.flatMap((r) => r.removed)).toContainEqual(expect.objectContaining({ container: leftover, owner: 'node-doomed', reason: 'owner-lost' }));
  });
});
