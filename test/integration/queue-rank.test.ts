/**
 * The rank the Lua scripts give a queued task (lib/dispatch.lua's new_rank), read back from a real
 * Redis: `(2 - priority) * 2^48 + arrival`, so priority 2 runs before 1 before 0 and arrival order holds
 * within a priority, and the rank stays an exact integer at the very top of a band.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSettings } from '../../src/core/settings.ts';
import { WorkSource } from '../../src/queue/work-source.ts';
import { createContext, type AppContext } from '../../src/service/context.ts';
import { queueTask } from '../../src/service/tasks.ts';
import { addTestRevision } from '../helpers/code-revision.ts';

const RANK_BAND = 2 ** 48;
let ctx: AppContext;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-rank-'));
  const prefix = `dhtest:${randomBytes(4).toString('hex')}:`;
  ctx = await createContext(parseSettings({ ...process.env, DOCKHAND_REDIS_PREFIX: prefix, DOCKHAND_DATA_DIR: dataDir, DOCKHAND_LOG_LEVEL: 'warn' }));
});

afterAll(async () => {
  const keys = await ctx.redis.keys(`${ctx.keys.prefix}*`);
  if (keys.length > 0) await ctx.redis.del(...keys);
  await ctx.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('the rank of a queued task', () => {
  it('is (2 - priority) * 2^48 + arrival, exact at the top of a band', async () => {
    const projectId = (await ctx.projects.create('rank')).project.id;
    await addTestRevision(ctx, projectId, 'ranked');
    // The next two arrivals are the last two numbers of a band.
    await ctx.redis.set(ctx.keys.queueSeq(), String(RANK_BAND - 3));
    const low = await queueTask(ctx, projectId, { code_name: 'ranked', priority: 0 });
    const high = await queueTask(ctx, projectId, { code_name: 'ranked', priority: 2 });
    const source = new WorkSource(ctx.redis, ctx.keys, 'rank-node', 10_000);
    const candidates = await source.peek(await source.readySets(['default'], {}), 10);
    expect(candidates.map((c) => [c.taskId, c.rank])).toEqual([
      [high.id, RANK_BAND - 1],
      [low.id, 2 * RANK_BAND + RANK_BAND - 2],
    ]);
  });
});
