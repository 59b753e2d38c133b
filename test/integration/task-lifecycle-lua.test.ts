/**
 * The status rules the Lua scripts enforce on a real Redis are the TypeScript table's: every pair of
 * statuses is tried through transition-task.lua, and a change applies exactly when canTransition says
 * it may, moving the task between its project's status indexes.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.ts';
import { TASK_STATUSES, canTransition, type TaskStatus } from '../../src/core/task-status.ts';
import { TaskQueue } from '../../src/queue/task-queue.ts';
import { Keys } from '../../src/store/redis/keys.ts';
import { RedisTaskStore } from '../../src/store/redis/redis-task-store.ts';

const keys = new Keys(`dhtest:${randomBytes(4).toString('hex')}:`);
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6390', { lazyConnect: true });
const store = new RedisTaskStore(redis, keys);
const queue = new TaskQueue(redis, keys);
const project = newId();

beforeAll(async () => {
  await redis.connect();
});

afterAll(async () => {
  const found = await redis.keys(`${keys.prefix}*`);
  if (found.length) await redis.del(...found);
  redis.disconnect();
});

/** A task of the project put straight into `status` (and its index), as if it had got there. */
async function taskIn(status: TaskStatus): Promise<string> {
  const id = newId();
  await queue.queueNew([{ task: {
    id, project_id: project, code_name: 'c', code_id: 'c'.repeat(24), code_rev: 1, priority: 0, timeout: 60, delay: 0,
    cluster: 'default', payload: '', created_at: new Date().toISOString(), trace_id: 't'.repeat(32),
  } }]);
  const score = await redis.zscore(keys.tasksByStatus(project, 'queued'), id);
  await redis.multi().hset(keys.task(id), 'status', status).zrem(keys.tasksByStatus(project, 'queued'), id)
    .zadd(keys.tasksByStatus(project, status), score ?? '0', id).exec();
  return id;
}

async function indexesHolding(id: string): Promise<TaskStatus[]> {
  const held: TaskStatus[] = [];
  for (const status of TASK_STATUSES) if ((await redis.zscore(keys.tasksByStatus(project, status), id)) !== null) held.push(status);
  return held;
}

describe('task status changes on Redis', () => {
  it.each(TASK_STATUSES)('apply from %s exactly to the statuses the TypeScript table allows', async (from) => {
    for (const to of TASK_STATUSES) {
      const id = await taskIn(from);
      const result = await store.transition(id, [from], to, { msg: `to ${to}` });
      const allowed = canTransition(from, to);
      expect(result.applied, `${from} -> ${to}`).toBe(allowed);
      expect((await store.get(id))?.status, `${from} -> ${to}`).toBe(allowed ? to : from);
      expect(await indexesHolding(id), `${from} -> ${to}`).toEqual([allowed ? to : from]);
    }
  });

  it('refuses a change the table allows when the operation does not accept the current status', async () => {
    const id = await taskIn('running');
    expect(await store.transition(id, ['queued'], 'cancelled', {})).toEqual({ applied: false, current: 'running' });
  });
});
