/**
 * Two worker nodes on two real Docker engines (the machine's and a second dockerd), fed from one
 * Redis: the fleet-wide max_concurrency holds across both engines as `docker ps` sees them, a task
 * whose node is killed with SIGKILL is recovered on the other engine as a new attempt with never two
 * containers of it running at once, the node removes its leftover when it returns, and a cancel
 * reaches a task on the other engine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../../src/core/model.ts';
import { docker, ensureBaseImage, BASE_TEST_IMAGE } from '../helpers/docker.ts';
import { startFleet, type TestFleet } from '../helpers/fleet.ts';
import { imagePackage, removeProjectContainers, sampleRunning } from '../helpers/fleet-scenario.ts';
import { startSecondEngine, type SecondEngine } from '../helpers/second-engine.ts';
import { eventually, startWorkerProcess, TEST_TIMING, type WorkerProcess } from '../helpers/worker-process.ts';

let fleet: TestFleet;
let engine: SecondEngine;
const workers = new Map<string, WorkerProcess>();

beforeAll(async () => {
  await ensureBaseImage();
  [fleet, engine] = await Promise.all([startFleet({ worker: false }), startSecondEngine({ images: [BASE_TEST_IMAGE] })]);
  await Promise.all(NODE_IDS.map(ensureWorker));
});

const NODE_IDS = ['node-main', 'node-second'] as const;

/** Starts the node's worker unless it runs; a case that kills one must not leave the next with one node. */
async function ensureWorker(nodeId: (typeof NODE_IDS)[number]): Promise<WorkerProcess> {
  const existing = workers.get(nodeId);
  if (existing) return existing;
  const worker = await startWorkerProcess(fleet, nodeId === 'node-second'
    ? { nodeId, concurrency: 3, labels: ['engine=second'], dockerHost: engine.dockerHost }
    : { nodeId, concurrency: 3, labels: ['engine=main'] });
  workers.set(nodeId, worker);
  return worker;
}

afterAll(async () => {
  await Promise.all([...workers.values()].map((w) => w.stop()));
  if (fleet) await removeProjectContainers([docker(), ...(engine ? [engine.docker] : [])], fleet.projectId);
  await engine?.stop();
  await fleet?.stop();
});

function engineOf(nodeId: string | undefined) {
  return nodeId === 'node-second' ? engine.docker : docker();
}

describe('a fleet on two Docker engines', () => {
  it('never runs more containers of a package than its max_concurrency, across both engines', async () => {
    await imagePackage(fleet, 'limited', 'echo "run on $(hostname)"; sleep 2', { max_concurrency: 2 });
    const sampler = sampleRunning([docker(), engine.docker], { 'dockhand.project': fleet.projectId, 'dockhand.code': 'limited' });
    const tasks = await fleet.client.tasks.queueMany(Array.from({ length: 6 }, () => ({ code_name: 'limited' })));

    // While two run, the others wait as queued, not failed.
    const waiting = await eventually('two running and four queued', async () => {
      const now = await Promise.all(tasks.map((t) => fleet.client.tasks.get(t.id)));
      const running = now.filter((t) => t.status === 'running' || t.status === 'preparing').length;
      return running === 2 ? now : undefined;
    });
    expect(waiting.filter((t) => t.status === 'queued')).toHaveLength(4);

    const done = await Promise.all(tasks.map((t) => fleet.client.tasks.wait(t.id, { timeoutMs: 90_000 })));
    const { samples, max } = await sampler.stop();
    expect(done.map((t) => t.status)).toEqual(Array(6).fill('complete'));
    expect(samples.length).toBeGreaterThan(20);
    expect(max).toBe(2);
    // Both engines took part, so the limit was held across them, not within one.
    expect(new Set(done.map((t) => t.node_id))).toEqual(new Set(['node-main', 'node-second']));
    expect(samples.some((s) => s.perEngine[0]! > 0 && s.perEngine[1]! > 0)).toBe(true);
  });

  it('recovers the task of a node killed with SIGKILL on the other engine as a new attempt, never running two containers of it at once', async () => {
    await imagePackage(fleet, 'survivor', 'echo "attempt on $(hostname)"; sleep 6; echo finished', { max_concurrency: 1 });
    const task = await fleet.client.tasks.queue('survivor', {});
    const sampler = sampleRunning([docker(), engine.docker], { 'dockhand.project': fleet.projectId, 'dockhand.code': 'survivor' }, 50);
    const running = await eventually('the task running', async () => {
      const t = await fleet.client.tasks.get(task.id);
      return t.status === 'running' ? t : undefined;
    });
    const victimId = running.node_id!;
    const survivorId = victimId === 'node-main' ? 'node-second' : 'node-main';
    const victim = workers.get(victimId)!;

    const killedAt = Date.now();
    victim.kill('SIGKILL');
    await victim.exited;
    workers.delete(victimId);

    // The lost node's listing of the task lasts only until another node recovers it, so a poll may miss
    // it; the attempt history below is the lasting record that attempt 1 was lost on the victim.
    await eventually('the killed node shown as lost', async () => {
      const node = (await fleet.client.nodes.list()).find((n) => n.id === victimId);
      return node?.state === 'lost' ? node : undefined;
    });

    const recovered = await eventually('the task running again on the other node', async () => {
      const t = await fleet.client.tasks.get(task.id);
      return t.status === 'running' && t.node_id === survivorId ? t : undefined;
    }, 60_000, 50);
    const recoveryMs = Date.now() - killedAt;
    const done = await fleet.client.tasks.wait(task.id, { timeoutMs: 60_000 });
    const { maxPerTask, max } = await sampler.stop();

    expect(recovered.attempts).toBe(2);
    expect(done).toMatchObject({ status: 'complete', attempts: 2, node_id: survivorId });
    expect(done.attempt_history).toEqual([
      expect.objectContaining({ attempt: 1, node_id: victimId, status: 'lost' }),
      expect.objectContaining({ attempt: 2, node_id: survivorId, status: 'complete', exit_code: 0 }),
    ]);
    expect(maxPerTask).toBe(1);
    expect(max).toBe(1);
    // The bound stated in docs/architecture.md: the time-to-live plus a heartbeat plus a claim.
    expect(recoveryMs).toBeLessThan(TEST_TIMING.ttlMs + 10_000);

    const log = await fleet.client.tasks.log(task.id);
    expect(log).toContain(`--- attempt 2 on node ${survivorId}`);
    expect(log).toContain('finished');

    // The dead node's container was killed by its watchdog and is still there, stopped ...
    const leftovers = await engineOf(victimId).listContainers({ all: true, filters: { label: [`dockhand.task=${task.id}`] } });
    expect(leftovers.map((c) => [c.Names[0], c.State])).toEqual([[`/dh-${task.id}-1`, 'exited']]);

    // ... until the node returns: its reconciler removes it at start and says so.
    const back = await ensureWorker(victimId as (typeof NODE_IDS)[number]);
    expect(await engineOf(victimId).listContainers({ all: true, filters: { label: [`dockhand.task=${task.id}`] } })).toEqual([]);
    const report = back.log().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { msg: string; removed?: unknown[] })
      .find((entry) => entry.msg.startsWith('reconciler removed'));
    expect(report?.removed).toEqual([{ container: `dh-${task.id}-1`, task_id: task.id, attempt: 1, owner: victimId, reason: 'not-run-by-this-process' }]);
  });

  it('keeps the limit when a node stalls: its watchdog kills its container before the fleet runs the task again, and the node\'s late word is ignored', async () => {
    // Both nodes, even if an earlier case failed after killing one: the task must have somewhere to go.
    await Promise.all(NODE_IDS.map(ensureWorker));
    await imagePackage(fleet, 'stalled', 'echo "attempt on $(hostname)"; sleep 6; echo finished', { max_concurrency: 1 });
    const task = await fleet.client.tasks.queue('stalled', {});
    const sampler = sampleRunning([docker(), engine.docker], { 'dockhand.project': fleet.projectId, 'dockhand.code': 'stalled' }, 50);
    const running = await eventually('the task running', async () => {
      const t = await fleet.client.tasks.get(task.id);
      return t.status === 'running' ? t : undefined;
    });
    const stalledId = running.node_id!;
    const stalled = workers.get(stalledId)!;
    stalled.kill('SIGSTOP');
    try {
      await eventually('the task running again elsewhere', async () => {
        const t = await fleet.client.tasks.get(task.id);
        return t.status === 'running' && t.node_id !== stalledId ? t : undefined;
      }, 60_000, 50);
    } finally {
      stalled.kill('SIGCONT');
    }
    const done = await fleet.client.tasks.wait(task.id, { timeoutMs: 60_000 });
    const { maxPerTask, max } = await sampler.stop();
    expect(maxPerTask).toBe(1);
    expect(max).toBe(1);
    expect(done).toMatchObject({ status: 'complete', attempts: 2 });
    expect(done.attempt_history?.map((a) => [a.attempt, a.node_id, a.status])).toEqual([
      [1, stalledId, 'lost'],
      [2, done.node_id, 'complete'],
    ]);
    // The stalled node wakes up, finds it no longer holds the task, and goes on as a healthy node.
    await eventually('the stalled node running again', async () => {
      const node = (await fleet.client.nodes.list()).find((n) => n.id === stalledId);
      return node?.state === 'running' && node.running.length === 0 ? true : undefined;
    });
    expect(stalled.log()).toMatch(/attempt superseded|lease lost|leases not renewed in time/);
  });

  it('cancels a task running on the other engine within a second or so and removes its container', async () => {
    await imagePackage(fleet, 'cancelled', 'echo started; sleep 60');
    const task = await fleet.client.tasks.queue('cancelled', { constraints: { engine: 'second' } });
    await eventually('the task running', async () => ((await fleet.client.tasks.get(task.id)).status === 'running' ? true : undefined));
    const before = Date.now();
    const cancelled: Task = await fleet.client.tasks.cancel(task.id);
    expect(cancelled.status).toBe('cancelled');
    await eventually('its container gone', async () => {
      const left = await engine.docker.listContainers({ all: true, filters: { label: [`dockhand.task=${task.id}`] } });
      return left.length === 0 ? true : undefined;
    }, 10_000, 20);
    const took = Date.now() - before;
    expect(took).toBeLessThan(3000);
    expect((await fleet.client.tasks.get(task.id)).node_id).toBe('node-second');
  });
});
