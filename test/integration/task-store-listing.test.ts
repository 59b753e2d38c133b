/**
 * TaskStore listings and counts on a real Redis: filters no index answers (code, cluster, label) still
 * fill a page when other tasks are interleaved, offsets page through matches, and per-code counts
 * agree with what was written.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.ts';
import { TaskQueue } from '../../src/queue/task-queue.ts';
import { Keys } from '../../src/store/redis/keys.ts';
import { RedisTaskStore } from '../../src/store/redis/redis-task-store.ts';

const prefix = `dhtest:${randomBytes(4).toString('hex')}:`;
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6390', { lazyConnect: true });
const store = new RedisTaskStore(redis, new Keys(prefix));
const queue = new TaskQueue(redis, new Keys(prefix));
const project = newId();
const made: { id: string; code: string; label: string; createdMs: number }[] = [];

beforeAll(async () => {
  await redis.connect();
  const start = Date.UTC(2026, 0, 1);
  // 60 tasks, codes interleaved 1:2, so a page of "a" tasks needs reading past many "b" tasks.
  for (let i = 0; i < 60; i++) {
    const code = i % 3 === 0 ? 'a' : 'b';
    const createdMs = start + i * 1000;
    const id = newId(createdMs);
    const label = i % 2 === 0 ? 'even' : 'odd';
    await queue.queueNew([{ task: {
      id, project_id: project, code_name: code, code_id: 'c'.repeat(24), code_rev: 1, priority: 0, timeout: 60, delay: 0,
      cluster: i < 30 ? 'default' : 'gpu', label, payload: '', created_at: new Date(createdMs).toISOString(), trace_id: 't'.repeat(32),
    } }]);
    made.push({ id, code, label, createdMs });
  }
  for (const task of made.filter((_, i) => i % 5 === 0)) await store.transition(task.id, ['queued'], 'cancelled', {});
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

const newestFirst = (rows: typeof made) => [...rows].sort((x, y) => y.createdMs - x.createdMs).map((r) => r.id);

describe('listing tasks', () => {
  it('fills a page of one code even when most tasks belong to another', async () => {
    const page = await store.list(project, { codeName: 'a', limit: 15 });
    expect(page.map((t) => t.id)).toEqual(newestFirst(made.filter((m) => m.code === 'a')).slice(0, 15));
  });

  it('pages through matches with an offset', async () => {
    const expected = newestFirst(made.filter((m) => m.code === 'b' && m.label === 'even'));
    const first = await store.list(project, { codeName: 'b', label: 'even', limit: 7 });
    const second = await store.list(project, { codeName: 'b', label: 'even', limit: 7, offset: 7 });
    expect([...first, ...second].map((t) => t.id)).toEqual(expected.slice(0, 14));
  });

  it('combines status, cluster and creation window', async () => {
    const from = made[10]!.createdMs;
    const to = made[40]!.createdMs;
    const rows = await store.list(project, { status: ['cancelled'], cluster: 'gpu', from, to, limit: 100 });
    const expected = made.filter((m, i) => i % 5 === 0 && i >= 30 && m.createdMs >= from && m.createdMs <= to);
    expect(rows.map((t) => t.id)).toEqual(newestFirst(expected));
    const offset = await store.list(project, { status: ['cancelled', 'queued'], limit: 5, offset: 5 });
    expect(offset.map((t) => t.id)).toEqual(newestFirst(made).slice(5, 10));
  });
});

describe('counting tasks', () => {
  it('counts per status for the project, one code, and one code within a window', async () => {
    expect(await store.countByStatus(project)).toMatchObject({ queued: 48, cancelled: 12 });
    const aCancelled = made.filter((m, i) => m.code === 'a' && i % 5 === 0).length;
    expect(await store.countByStatus(project, { codeName: 'a' })).toMatchObject({ queued: 20 - aCancelled, cancelled: aCancelled });
    const window = { from: made[0]!.createdMs, to: made[14]!.createdMs };
    const inWindow = made.slice(0, 15).filter((m) => m.code === 'a');
    const cancelledInWindow = made.slice(0, 15).filter((m, i) => m.code === 'a' && i % 5 === 0).length;
    expect(await store.countByStatus(project, { codeName: 'a', ...window })).toMatchObject({ queued: inWindow.length - cancelledInWindow, cancelled: cancelledInWindow, complete: 0 });
    expect(await store.countByStatus(project, window)).toMatchObject({ queued: 12, cancelled: 3 });
  });
});
