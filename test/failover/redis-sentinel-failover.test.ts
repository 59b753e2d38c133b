/**
 * Redis high availability: a master, two replicas and three sentinels of the test's own (loopback
 * ports), a server and a worker that reach Redis only through `redis+sentinel://`. Tasks are queued
 * without pause and a schedule fires every second while the master is SIGKILLed; the sentinels promote
 * the replica and the fleet follows by itself. With DOCKHAND_REDIS_WAIT_REPLICAS=1 a task is
 * acknowledged only once the replica holds it, so every acknowledged task must finish; every schedule
 * occurrence is recorded once; work queued after the failover runs (the worker reconnected). Two
 * replicas, because with one the promoted master has none and WAIT 1 refuses every task until the
 * old master is back (docs/operations.md#redis-high-availability).
 * Uses the shared Docker engine (run through the engine lock); ~40 s.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScheduleFiring } from '../../src/core/model.ts';
import { imagePackage } from '../helpers/fleet-scenario.ts';
import { startFleet, type TestFleet } from '../helpers/fleet.ts';
import { startSentinelGroup, type SentinelGroup } from '../helpers/redis-sentinel-group.ts';
import { eventually } from '../helpers/worker-process.ts';

let group: SentinelGroup;
let fleet: TestFleet;

beforeAll(async () => {
  group = await startSentinelGroup();
  fleet = await startFleet({
    concurrency: 4,
    env: {
      REDIS_URL: group.url,
      DOCKHAND_REDIS_WAIT_REPLICAS: '1',
      DOCKHAND_REDIS_WAIT_TIMEOUT_MS: '1000',
      DOCKHAND_MIN_RUN_EVERY: '1',
      DOCKHAND_HEARTBEAT_MS: '500',
      DOCKHAND_NODE_TTL_MS: '6000',
      DOCKHAND_LOG_LEVEL: 'fatal',
    },
  });
  await imagePackage(fleet, 'quick', 'sleep 0.2; echo ok');
}, 120_000);

afterAll(async () => {
  await fleet?.stop().catch(() => undefined);
  await group?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a Sentinel failover while tasks flow', () => {
  it('loses no acknowledged task, fires each occurrence once, and the fleet reconnects by itself', async () => {
    const schedule = await fleet.client.schedules.create('quick', { every: 1, name: 'each-second' });
    const acknowledged: string[] = [];
    let refused = 0;
    let failedOverAt = 0;
    let stop = false;
    const producer = (async () => {
      while (!stop) {
        try {
          acknowledged.push((await fleet.client.tasks.queue('quick', { payload: { n: acknowledged.length } })).id);
        } catch {
          refused += 1; // not acknowledged: the client would retry; nothing is owed for it
          await sleep(100);
        }
        await sleep(50);
      }
    })();
    await sleep(5000);
    const before = acknowledged.length;
    const failover = await group.failOver();
    failedOverAt = Date.now();
    await sleep(8000);
    stop = true;
    await producer;
    const afterFailover = acknowledged.length - before;

    const unfinished = await eventually('every acknowledged task to finish', async () => {
      const open: string[] = [];
      for (const id of acknowledged) {
        const task = await fleet.ctx.tasks.get(id);
        if (!task || !['complete', 'error', 'timeout', 'cancelled'].includes(task.status)) open.push(id);
      }
      return open.length === 0 ? open : undefined;
    }, 120_000, 1000);
    expect(unfinished).toEqual([]);
    const statuses = await Promise.all(acknowledged.map(async (id) => (await fleet.ctx.tasks.get(id))?.status));
    const lost = statuses.filter((status) => status === undefined).length;
    expect(lost).toBe(0);
    expect(statuses.every((status) => status === 'complete')).toBe(true);
    expect(afterFailover).toBeGreaterThan(0);

    const history: ScheduleFiring[] = await fleet.client.schedules.history(schedule.id, { limit: 1000 });
    const occurrences = history.map((f) => f.at);
    expect(new Set(occurrences).size).toBe(occurrences.length);
    expect(history.some((f) => Date.parse(f.at) > failedOverAt && f.outcome === 'queued')).toBe(true);
    const scheduledTasks = (await fleet.client.tasks.list({ limit: 1000 })).filter((t) => t.schedule_id === schedule.id);
    expect(new Set(scheduledTasks.map((t) => t.id)).size).toBe(scheduledTasks.length);

    console.log(JSON.stringify({ fault: 'sentinel failover', acknowledged: acknowledged.length, refused, afterFailover, lost, failoverMs: failover.tookMs, firings: history.length }));
  }, 240_000);
});
