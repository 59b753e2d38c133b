/**
 * The dispatch queue's atomic steps against a real Redis: order, exclusive claims, the fleet-wide
 * concurrency limit under many concurrent claims, lapsed leases taken back with fencing, pause and
 * resume, constraints and delays. No Docker: these are the guarantees the worker nodes build on.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Priority } from '../../src/core/limits.ts';
import { parseSettings } from '../../src/core/settings.ts';
import { WorkSource, type Candidate, type HeldAttempt } from '../../src/queue/work-source.ts';
import { createContext, type AppContext } from '../../src/service/context.ts';
import { queueTask } from '../../src/service/tasks.ts';
import type { NodeReport } from '../../src/store/ports.ts';
import { addTestRevision } from '../helpers/code-revision.ts';

let ctx: AppContext;
let dataDir: string;
let projectId: string;

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-dispatch-'));
  const prefix = `dhtest:${randomBytes(4).toString('hex')}:`;
  ctx = await createContext(parseSettings({ ...process.env, DOCKHAND_REDIS_PREFIX: prefix, DOCKHAND_DATA_DIR: dataDir, DOCKHAND_LOG_LEVEL: 'warn', DOCKHAND_NODE_TTL_MS: '1000' }));
  projectId = (await ctx.projects.create('dispatch')).project.id;
});

afterEach(async () => {
  const keys = await ctx.redis.keys(`${ctx.keys.prefix}*`);
  if (keys.length > 0) await ctx.redis.del(...keys);
  await ctx.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function code(name: string, options: { maxConcurrency?: number } = {}): Promise<void> {
  await addTestRevision(ctx, projectId, name, { max_concurrency: options.maxConcurrency ?? -1 });
}

async function queue(codeName: string, options: { priority?: Priority; constraints?: Record<string, string>; delay?: number } = {}): Promise<string> {
  const task = await queueTask(ctx, projectId, {
    code_name: codeName,
    ...(options.priority !== undefined ? { priority: options.priority } : {}),
    ...(options.constraints ? { constraints: options.constraints } : {}),
    ...(options.delay !== undefined ? { delay: options.delay } : {}),
  });
  return task.id;
}

function source(nodeId: string, ttlMs = 10_000): WorkSource {
  return new WorkSource(ctx.redis, ctx.keys, nodeId, ttlMs);
}

async function ready(src: WorkSource, labels: Record<string, string> = {}): Promise<Candidate[]> {
  return src.peek(await src.readySets(['default'], labels), 100);
}

/** Claims whatever the node may, first come first served, until nothing more is claimable. */
async function claimAll(src: WorkSource): Promise<HeldAttempt[]> {
  const held: HeldAttempt[] = [];
  for (;;) {
    const candidates = await ready(src);
    if (candidates.length === 0) return held;
    let claimedOne = false;
    for (const candidate of candidates) {
      const result = await src.claim(candidate);
      if (result.claimed) {
        held.push(result.held);
        claimedOne = true;
        break;
      }
    }
    if (!claimedOne) return held;
  }
}

function report(id: string): NodeReport {
  return {
    id, state: 'running', clusters: ['default'], labels: {}, slots_total: 1, slots_used: 0, memory_total: 1024, memory_reserved: 0,
    running: [], docker_version: 'test', stacks: [], placement: { default: 'spread' }, started_at: new Date().toISOString(), engine_id: 'test',
  };
}

describe('the dispatch queue', () => {
  it('hands out tasks by priority, 2 before 1 before 0, and in arrival order within a priority', async () => {
    await code('ordered');
    const ids: Record<string, string> = {};
    for (const [name, priority] of [['a0', 0], ['b1', 1], ['c2', 2], ['d0', 0], ['e2', 2], ['f1', 1]] as const) ids[name] = await queue('ordered', { priority });
    const src = source('n1');
    const order = (await claimAll(src)).map((h) => Object.keys(ids).find((k) => ids[k] === h.taskId));
    expect(order).toEqual(['c2', 'e2', 'b1', 'f1', 'a0', 'd0']);
  });

  it('lets exactly one of many nodes claim a task', async () => {
    await code('contested');
    await queue('contested');
    const sources = Array.from({ length: 6 }, (_, i) => source(`n${i}`));
    const [candidate] = await ready(sources[0]!);
    const results = await Promise.all(sources.map((s) => s.claim(candidate!)));
    expect(results.filter((r) => r.claimed)).toHaveLength(1);
    const task = await ctx.tasks.get(candidate!.taskId);
    expect(task).toMatchObject({ status: 'preparing', attempts: 1 });
  });

  it('never grants more than max_concurrency leases, however many nodes claim at once, and keeps the rest queued', async () => {
    await code('limited', { maxConcurrency: 3 });
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(await queue('limited'));
    const sources = Array.from({ length: 8 }, (_, i) => source(`n${i}`));
    const held = (await Promise.all(sources.map((s) => claimAll(s)))).flat();
    expect(held).toHaveLength(3);
    const counts = await ctx.tasks.countByStatus(projectId);
    expect(counts).toMatchObject({ preparing: 3, queued: 17 });
    expect(await ctx.redis.zcard(ctx.keys.codeLeases(projectId, 'limited'))).toBe(3);

    // One ends: exactly one more may start, and it is the oldest that waited.
    const first = held[0]!;
    const ownerId = (await ctx.tasks.get(first.taskId))!.node_id;
    const owner = sources.find((s) => s.nodeId === ownerId)!;
    const settled = await owner.finish(first, 'complete', {}, { attempt: 1, status: 'complete' });
    expect(settled).toMatchObject({ applied: true, unparked: 1 });
    const waiting = ids.filter((id) => !held.some((h) => h.taskId === id));
    const next = (await Promise.all(sources.map((s) => claimAll(s)))).flat();
    expect(next.map((h) => h.taskId)).toEqual([waiting[0]]);
    expect(await ctx.redis.zcard(ctx.keys.codeLeases(projectId, 'limited'))).toBe(3);
  });

  it('takes back a task whose lease lapsed as a new attempt, and fences the node that lost it', async () => {
    await code('lapsing', { maxConcurrency: 1 });
    const taskId = await queue('lapsing');
    const lost = source('lost-node', 1000);
    const [held] = await claimAll(lost);
    expect(held?.attempt).toBe(1);
    await ctx.nodes.heartbeat(report('lost-node'), { instance: 'i1', ttlMs: 1000, retentionSeconds: 60 });

    // While the lease is live, nobody else may start the package.
    await queue('lapsing');
    expect(await claimAll(source('other'))).toEqual([]);
    expect(await source('other').recover('lost-node', { force: false, ending: 'lost', msg: 'gone' })).toEqual([]);

    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await ctx.nodes.staleIds()).toContain('lost-node');
    expect((await ctx.nodes.get('lost-node'))?.state).toBe('lost');
    const recovered = await source('other').recover('lost-node', { force: false, ending: 'lost', msg: 'node lost-node stopped heartbeating' });
    expect(recovered).toEqual([taskId]);
    const requeued = await ctx.tasks.get(taskId);
    expect(requeued).toMatchObject({ status: 'queued', attempts: 1 });
    expect(requeued?.attempt_history).toEqual([expect.objectContaining({ attempt: 1, node_id: 'lost-node', status: 'lost' })]);

    // It goes back to the front: the next claim takes it, as attempt 2.
    const other = source('other');
    const [again] = await claimAll(other);
    expect(again).toMatchObject({ taskId, attempt: 2 });

    // The node that lost its lease comes back: nothing it records applies any more.
    expect(await lost.markRunning(held!, new Date().toISOString())).toBe(false);
    expect(await lost.finish(held!, 'complete', {}, { attempt: 1, status: 'complete' })).toMatchObject({ fenced: true, applied: false });
    expect(await ctx.redis.zcard(ctx.keys.codeLeases(projectId, 'lapsing'))).toBe(1);
    expect(await other.finish(again!, 'complete', {}, { attempt: 2, node_id: 'other', status: 'complete' })).toMatchObject({ applied: true });
    const done = await ctx.tasks.get(taskId);
    expect(done).toMatchObject({ status: 'complete', attempts: 2, node_id: 'other' });
    expect(done?.attempt_history?.map((a) => a.status)).toEqual(['lost', 'complete']);
  });

  it('keeps the lease of a task\'s next attempt on the same node when the older attempt\'s end comes late', async () => {
    await code('comeback', { maxConcurrency: 1 });
    const taskId = await queue('comeback');
    const node = source('comeback-node', 1000);
    const [first] = await claimAll(node);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await source('other').recover('comeback-node', { force: false, ending: 'lost', msg: 'gone' })).toEqual([taskId]);

    // The node is back (its lease had lapsed), claims the task again, then records the first attempt's end.
    const [second] = await claimAll(node);
    expect(second).toMatchObject({ taskId, attempt: 2 });
    expect(await node.requeue(first!, { delayMs: 0, keepRank: true, msg: 'revoked', history: { attempt: 1, status: 'revoked' } })).toMatchObject({ fenced: true });

    // The second attempt's lease is still the node's: its heartbeat renews it and reports nothing lost.
    const leases = ctx.keys.codeLeases(projectId, 'comeback');
    const before = Number(await ctx.redis.zscore(leases, taskId));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const beat = await ctx.nodes.heartbeat(report('comeback-node'), { instance: 'i1', ttlMs: 5000, retentionSeconds: 60 });
    expect(beat).toMatchObject({ accepted: true, lostTaskIds: [] });
    expect(Number(await ctx.redis.zscore(leases, taskId))).toBeGreaterThan(before);
    expect(await node.finish(second!, 'complete', {}, { attempt: 2, status: 'complete' })).toMatchObject({ applied: true });
  });

  it('renews leases with each heartbeat and reports the ones that are already gone', async () => {
    await code('renewed', { maxConcurrency: 2 });
    const first = await queue('renewed');
    const second = await queue('renewed');
    const src = source('beating', 5000);
    await claimAll(src);
    const leases = ctx.keys.codeLeases(projectId, 'renewed');
    const before = Number(await ctx.redis.zscore(leases, first));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await ctx.redis.zrem(leases, second);
    const beat = await ctx.nodes.heartbeat(report('beating'), { instance: 'i1', ttlMs: 5000, retentionSeconds: 60 });
    expect(beat).toEqual({ accepted: true, nowMs: expect.any(Number), lostTaskIds: [second] });
    expect(Number(await ctx.redis.zscore(leases, first))).toBeGreaterThan(before);
    expect(await ctx.redis.zscore(leases, second)).toBeNull();
  });

  it('refuses a second live process under the same node id', async () => {
    expect(await ctx.nodes.heartbeat(report('twin'), { instance: 'first', ttlMs: 5000, retentionSeconds: 60 })).toMatchObject({ accepted: true });
    expect(await ctx.nodes.heartbeat(report('twin'), { instance: 'second', ttlMs: 5000, retentionSeconds: 60 })).toMatchObject({ accepted: false, otherInstance: 'first' });
    const [node] = await ctx.nodes.list();
    expect(node).toMatchObject({ id: 'twin', state: 'running', clusters: ['default'], slots_total: 1 });
  });

  it('holds a paused package\'s tasks back and returns them in their order on resume', async () => {
    await code('pausable');
    const ids = [await queue('pausable'), await queue('pausable'), await queue('pausable')];
    await ctx.codes.setPaused(projectId, 'pausable', true);
    const src = source('n1');
    expect(await claimAll(src)).toEqual([]);
    expect(await ctx.queue.parked(projectId, 'pausable')).toBe(3);
    expect(await ctx.tasks.countByStatus(projectId)).toMatchObject({ queued: 3 });
    await ctx.codes.setPaused(projectId, 'pausable', false);
    expect(await ctx.queue.unpark(projectId, 'pausable')).toBe(3);
    expect((await claimAll(src)).map((h) => h.taskId)).toEqual(ids);
  });

  it('shows a constrained task only to nodes whose labels match', async () => {
    await code('placed');
    const eu = await queue('placed', { constraints: { region: 'eu' } });
    const us = await queue('placed', { constraints: { region: 'us', disk: 'ssd' } });
    const any = await queue('placed');
    const src = source('n1');
    expect((await ready(src, { region: 'eu' })).map((c) => c.taskId)).toEqual([eu, any]);
    expect((await ready(src, { region: 'us', disk: 'ssd' })).map((c) => c.taskId)).toEqual([us, any]);
    expect((await ready(src, { region: 'us' })).map((c) => c.taskId)).toEqual([any]);
  });

  it('keeps a delayed task out of sight until its delay has passed', async () => {
    await code('later');
    const id = await queue('later', { delay: 1 });
    const src = source('n1');
    await src.promoteDue(['default']);
    expect(await ready(src)).toEqual([]);
    expect(await ctx.queue.depth('default')).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await src.promoteDue(['default'])).toBe(1);
    expect((await ready(src)).map((c) => c.taskId)).toEqual([id]);
  });

  it('takes a cancelled task out of the queue wherever it waits', async () => {
    await code('cancelled');
    const id = await queue('cancelled');
    expect(await ctx.queue.remove(id, 'default')).toBe(true);
    expect(await ready(source('n1'))).toEqual([]);
  });
});
