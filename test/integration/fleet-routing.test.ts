/**
 * Three worker processes on one engine, each with its own clusters, labels, slots and memory: tasks go
 * where their cluster and constraints allow, a constrained task does not starve behind unconstrained
 * ones, `dockhand nodes` shows the load as it is, admission never overcommits a node's memory,
 * priorities hold on a node with one slot, failed tasks are retried with back-off, and a package's
 * queue pauses and resumes.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../src/cli/output.ts';
import type { FleetNode, Task } from '../../src/core/model.ts';
import { dockhand, REPO_ROOT } from '../helpers/cli.ts';
import { docker, ensureBaseImage } from '../helpers/docker.ts';
import { startFleet, type TestFleet } from '../helpers/fleet.ts';
import { imagePackage, removeProjectContainers, sampleRunning } from '../helpers/fleet-scenario.ts';
import { eventually, startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.ts';

let fleet: TestFleet;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  await ensureBaseImage();
  fleet = await startFleet({ worker: false });
  workers.push(
    ...(await Promise.all([
      startWorkerProcess(fleet, { nodeId: 'node-eu', clusters: ['default', 'prio'], labels: ['region=eu'], concurrency: 1 }),
      startWorkerProcess(fleet, { nodeId: 'node-us', clusters: ['default', 'gpu'], labels: ['region=us', 'gpu=yes'], concurrency: 1 }),
      startWorkerProcess(fleet, { nodeId: 'node-small', clusters: ['small'], concurrency: 4, memory: '300m' }),
    ])),
  );
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  if (fleet) await removeProjectContainers([docker()], fleet.projectId);
  await fleet?.stop();
});

async function finished(tasks: readonly Task[]): Promise<Task[]> {
  return Promise.all(tasks.map((t) => fleet.client.tasks.wait(t.id, { timeoutMs: 90_000 })));
}

describe('routing by cluster and labels', () => {
  it('runs a task only on nodes of its cluster whose labels match its constraints', async () => {
    await imagePackage(fleet, 'route', 'echo routed');
    const [gpu, eu, us] = await finished([
      await fleet.client.tasks.queue('route', { cluster: 'gpu' }),
      await fleet.client.tasks.queue('route', { constraints: { region: 'eu' } }),
      await fleet.client.tasks.queue('route', { constraints: { region: 'us', gpu: 'yes' } }),
    ]);
    expect([gpu, eu, us].map((t) => [t?.status, t?.node_id])).toEqual([
      ['complete', 'node-us'],
      ['complete', 'node-eu'],
      ['complete', 'node-us'],
    ]);
    expect(eu?.constraints).toEqual({ region: 'eu' });
  });

  it('leaves a task queued while no node matches its constraints, and says so through the CLI', async () => {
    const queued = await dockhand(['--json', 'task', 'queue', 'route', '--constraint', 'region=ap'], fleet.env);
    expect(queued.code).toBe(0);
    const task = JSON.parse(queued.stdout) as Task;
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await fleet.client.tasks.get(task.id)).toMatchObject({ status: 'queued', wait_reason: expect.stringMatching(/no running node of cluster "default" carries region=ap/) });
    await fleet.client.tasks.cancel(task.id);

    // Following such a task, the CLI says why it has not started instead of waiting in silence.
    const follow = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/dockhand.js'), 'task', 'queue', 'route', '--cluster', 'nowhere', '--wait'], { env: { ...process.env, ...fleet.env } });
    let stderr = '';
    follow.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const exited = new Promise<number | null>((resolve) => follow.on('exit', resolve));
    const followedId = await eventually('the CLI saying why the task waits', async () => {
      return /still queued: no running worker node serves cluster "nowhere"/.test(stderr) ? /Queued task (\w+)/.exec(stderr)?.[1] : undefined;
    }, 20_000);
    await fleet.client.tasks.cancel(followedId);
    expect(await exited).toBe(EXIT_CODES.taskCancelled);
    const bad = await dockhand(['task', 'queue', 'route', '--constraint', 'region'], fleet.env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/key=value/);
  });

  it('runs a constrained task in its turn rather than after every unconstrained task', async () => {
    await imagePackage(fleet, 'busy', 'sleep 1');
    const before = await fleet.client.tasks.queueMany(Array.from({ length: 4 }, () => ({ code_name: 'busy' })));
    const constrained = await fleet.client.tasks.queue('busy', { constraints: { region: 'eu' } });
    const after = await fleet.client.tasks.queueMany(Array.from({ length: 4 }, () => ({ code_name: 'busy' })));
    const [c, ...rest] = await finished([constrained, ...before, ...after]);
    expect(c).toMatchObject({ status: 'complete', node_id: 'node-eu' });
    const later = rest.slice(4);
    // Two single-slot nodes take tasks in queue order: the constrained one starts before the last of
    // the tasks queued after it.
    const startOf = (t: Task): number => Date.parse(t.start_time!);
    expect(later.filter((t) => startOf(t) > startOf(c!)).length).toBeGreaterThanOrEqual(2);
  });
});

describe('the nodes of the fleet', () => {
  it('shows each node\'s state, clusters, labels and load truthfully while tasks run', async () => {
    await imagePackage(fleet, 'long', 'echo started; sleep 60', { memory: 96 });
    const tasks = [
      await fleet.client.tasks.queue('long', { cluster: 'gpu' }),
      await fleet.client.tasks.queue('long', { constraints: { region: 'eu' } }),
      await fleet.client.tasks.queue('long', { cluster: 'small' }),
    ];
    await eventually('all three running', async () => {
      const now = await Promise.all(tasks.map((t) => fleet.client.tasks.get(t.id)));
      return now.every((t) => t.status === 'running') ? true : undefined;
    });
    const listed = await dockhand(['--json', 'nodes'], fleet.env);
    expect(listed.code).toBe(0);
    const nodes = JSON.parse(listed.stdout) as FleetNode[];
    const byId = new Map(nodes.map((n) => [n.id, n]));
    expect([...byId.keys()]).toEqual(['node-eu', 'node-small', 'node-us']);
    expect(byId.get('node-us')).toMatchObject({ state: 'running', clusters: ['default', 'gpu'], labels: { region: 'us', gpu: 'yes' }, slots_total: 1, slots_used: 1, memory_reserved: 96, running: [tasks[0]!.id] });
    expect(byId.get('node-eu')).toMatchObject({ slots_used: 1, running: [tasks[1]!.id], labels: { region: 'eu' } });
    expect(byId.get('node-small')).toMatchObject({ slots_total: 4, slots_used: 1, memory_total: 300, memory_reserved: 96, running: [tasks[2]!.id] });
    for (const node of nodes) {
      expect(node.docker_version).toMatch(/\d+\.\d+/);
      expect(Date.now() - Date.parse(node.last_seen)).toBeLessThan(5000);
    }
    const table = await dockhand(['nodes'], fleet.env);
    // A node that enforces the egress policy carries the label network-enabled tasks ask for.
    expect(table.stdout).toMatch(/node-small\s+running\s+small\s+(-|dockhand\.network=ready)\s+1\/4\s+96\/300 MiB/);

    await Promise.all(tasks.map((t) => fleet.client.tasks.cancel(t.id)));
    await finished(tasks);
    await eventually('slots free again', async () => {
      const now = await fleet.client.nodes.list();
      return now.every((n) => n.slots_used === 0 && n.running.length === 0 && n.memory_reserved === 0) ? true : undefined;
    });
  });

  it('says when a task reserves more memory than any node that may run it has', async () => {
    await imagePackage(fleet, 'huge', 'true', { memory: 512 });
    const task = await fleet.client.tasks.queue('huge', { cluster: 'small' });
    expect(await fleet.client.tasks.get(task.id)).toMatchObject({ status: 'queued', wait_reason: expect.stringMatching(/reserves 512 MiB and the largest node that may run it has 300 MiB/) });
    // A task that merely waits its turn has no reason to show.
    const fits = await fleet.client.tasks.queue('route', {});
    expect((await fleet.client.tasks.get(fits.id)).wait_reason).toBeUndefined();
    await fleet.client.tasks.cancel(task.id);
  });

  it('never reserves more memory on a node than it declared', async () => {
    await imagePackage(fleet, 'hungry', 'sleep 1.5', { memory: 128 });
    const sampler = sampleRunning([docker()], { 'dockhand.project': fleet.projectId, 'dockhand.code': 'hungry' });
    const done = await finished(await fleet.client.tasks.queueMany(Array.from({ length: 4 }, () => ({ code_name: 'hungry', cluster: 'small' }))));
    const { max } = await sampler.stop();
    expect(done.map((t) => t.status)).toEqual(Array(4).fill('complete'));
    // 300 MiB declared, 128 MiB each: two at a time although the node has four slots.
    expect(max).toBe(2);
  });
});

describe('order, retries and pausing', () => {
  it('runs priority 2 before 1 before 0, in arrival order within a priority, on a node with one slot', async () => {
    await imagePackage(fleet, 'ordered', 'echo "$TASK_ID"');
    await imagePackage(fleet, 'blocker', 'sleep 2');
    const blocker = await fleet.client.tasks.queue('blocker', { cluster: 'prio' });
    await eventually('the blocker running', async () => ((await fleet.client.tasks.get(blocker.id)).status === 'running' ? true : undefined));
    const queued: { name: string; task: Task }[] = [];
    for (const [name, priority] of [['a0', 0], ['b1', 1], ['c2', 2], ['d0', 0], ['e2', 2], ['f1', 1]] as const) {
      queued.push({ name, task: await fleet.client.tasks.queue('ordered', { cluster: 'prio', priority }) });
    }
    const done = await finished(queued.map((q) => q.task));
    const order = queued
      .map((q, i) => ({ name: q.name, start: Date.parse(done[i]!.start_time!) }))
      .sort((x, y) => x.start - y.start)
      .map((x) => x.name);
    expect(order).toEqual(['c2', 'e2', 'b1', 'f1', 'a0', 'd0']);
  });

  it('retries a failing task with back-off, keeping each attempt\'s exit and node, with a log header per attempt', async () => {
    await imagePackage(fleet, 'flaky', 'echo "trying on $(hostname)"; exit 3', { retries: 2, retries_delay: 1 });
    const task = await fleet.client.tasks.queue('flaky', {});
    const done = await fleet.client.tasks.wait(task.id, { timeoutMs: 60_000 });
    expect(done).toMatchObject({ status: 'error', exit_code: 3, attempts: 3, retries: 2, retries_delay: 1 });
    const history = done.attempt_history ?? [];
    expect(history.map((a) => [a.attempt, a.status, a.exit_code])).toEqual([[1, 'error', 3], [2, 'error', 3], [3, 'error', 3]]);
    expect(history.every((a) => a.node_id === 'node-eu' || a.node_id === 'node-us')).toBe(true);
    expect(history[0]!.retry_delay_ms).toBeGreaterThanOrEqual(500);
    expect(history[0]!.retry_delay_ms).toBeLessThanOrEqual(1000);
    expect(history[1]!.retry_delay_ms).toBeGreaterThanOrEqual(1000);
    expect(history[1]!.retry_delay_ms).toBeLessThanOrEqual(2000);
    // The second attempt started no sooner than the back-off after the first ended.
    expect(Date.parse(history[1]!.start_time!) - Date.parse(history[0]!.end_time!)).toBeGreaterThanOrEqual(history[0]!.retry_delay_ms! - 50);
    const log = await fleet.client.tasks.log(task.id);
    expect(log.match(/^--- attempt \d on node node-\w+ at \S+ ---$/gm)).toHaveLength(3);
    expect(log.match(/trying on/g)).toHaveLength(3);
    expect(log).toContain('retry 1 of 2 in');

    // A task may ask for no retries; `task retry` then queues a new task that points back.
    const once = await fleet.client.tasks.wait((await fleet.client.tasks.queue('flaky', { retries: 0 })).id, { timeoutMs: 30_000 });
    expect(once).toMatchObject({ status: 'error', attempts: 1 });
    expect(await fleet.client.tasks.log(once.id)).not.toContain('--- attempt');
    const again = await fleet.client.tasks.retry(once.id);
    expect(again).toMatchObject({ retry_of: once.id, status: 'queued', retries: 0 });
    await fleet.client.tasks.wait(again.id, { timeoutMs: 30_000 });
  });

  it('pauses a package\'s queue, keeping its tasks queued, and resumes it', async () => {
    await imagePackage(fleet, 'pausable', 'echo ran');
    const paused = await dockhand(['--json', 'code', 'pause', 'pausable'], fleet.env);
    expect(JSON.parse(paused.stdout)).toEqual({ name: 'pausable', paused: true, waiting: 0 });
    const tasks = await fleet.client.tasks.queueMany(Array.from({ length: 3 }, () => ({ code_name: 'pausable' })));
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect((await Promise.all(tasks.map((t) => fleet.client.tasks.get(t.id)))).map((t) => t.status)).toEqual(['queued', 'queued', 'queued']);
    expect(await fleet.client.codes.queue('pausable')).toEqual({ name: 'pausable', paused: true, waiting: 3 });
    expect((await fleet.client.tasks.get(tasks[0]!.id)).wait_reason).toMatch(/"pausable" is paused; `dockhand code resume pausable`/);
    const resumed = await dockhand(['code', 'resume', 'pausable'], fleet.env);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/Resumed the queue of pausable/);
    expect((await finished(tasks)).map((t) => t.status)).toEqual(['complete', 'complete', 'complete']);
  });
});
