/**
 * Placement with two worker nodes pulling from the same queue: `spread` puts the next task on the
 * least loaded node, `binpack` fills one node before the next. Each node serves a spread cluster and
 * a binpack cluster with two slots.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../../src/core/model.ts';
import { docker, ensureBaseImage } from '../helpers/docker.ts';
import { startFleet, type TestFleet } from '../helpers/fleet.ts';
import { imagePackage, removeProjectContainers } from '../helpers/fleet-scenario.ts';
import { eventually, startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.ts';

let fleet: TestFleet;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  await ensureBaseImage();
  fleet = await startFleet({ worker: false });
  // A long hold-back step, so on a busy machine the best node still always claims first.
  const options = { clusters: ['spread', 'pack'], concurrency: 2, placement: ['pack=binpack'], env: { DOCKHAND_PLACEMENT_STEP_MS: '3000' } };
  workers.push(...(await Promise.all([startWorkerProcess(fleet, { nodeId: 'node-1', ...options }), startWorkerProcess(fleet, { nodeId: 'node-2', ...options })])));
  await imagePackage(fleet, 'steady', 'echo started; sleep 3');
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  if (fleet) await removeProjectContainers([docker()], fleet.projectId);
  await fleet?.stop();
});

async function runningNodes(tasks: readonly Task[]): Promise<string[]> {
  const running = await eventually('all running', async () => {
    const now = await Promise.all(tasks.map((t) => fleet.client.tasks.get(t.id)));
    return now.every((t) => t.status === 'running') ? now : undefined;
  });
  return running.map((t) => t.node_id!).sort();
}

describe('placement', () => {
  it('reports each cluster\'s strategy on the node', async () => {
    const nodes = await fleet.client.nodes.list();
    expect(nodes.map((n) => n.placement)).toEqual([{ spread: 'spread', pack: 'binpack' }, { spread: 'spread', pack: 'binpack' }]);
  });

  it('spread: the least loaded node takes the next task, so two tasks land on two nodes', async () => {
    const tasks = await fleet.client.tasks.queueMany([{ code_name: 'steady', cluster: 'spread' }, { code_name: 'steady', cluster: 'spread' }]);
    expect(await runningNodes(tasks)).toEqual(['node-1', 'node-2']);
    await Promise.all(tasks.map((t) => fleet.client.tasks.wait(t.id, { timeoutMs: 30_000 })));
  });

  it('binpack: one node fills before the next takes anything', async () => {
    const two = await fleet.client.tasks.queueMany([{ code_name: 'steady', cluster: 'pack' }, { code_name: 'steady', cluster: 'pack' }]);
    const [first, second] = await runningNodes(two);
    expect(first).toBe(second);
    const third = await fleet.client.tasks.queue('steady', { cluster: 'pack' });
    const [other] = await runningNodes([third]);
    expect(other).not.toBe(first);
    await Promise.all([...two, third].map((t) => fleet.client.tasks.wait(t.id, { timeoutMs: 30_000 })));
  });
});
