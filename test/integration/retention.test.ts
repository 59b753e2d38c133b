/**
 * The retention sweep on a real Redis and a real code-store directory: finished tasks past
 * DOCKHAND_TASK_RETENTION_DAYS go with their log, trace, attempt history and index entries; queued
 * tasks and recent ones stay; schedule history entries and ended schedules past it go; archives no
 * revision references go after their grace period; one server per interval sweeps. The sweep is run
 * at a future instant rather than with old records, since finished tasks carry the time they finished.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.ts';
import { parseSettings } from '../../src/core/settings.ts';
import { sweepIfDue, sweepRetention } from '../../src/service/maintenance.ts';
import { createContext, type AppContext } from '../../src/service/context.ts';
import { addTestRevision } from '../helpers/code-revision.ts';

const DAY = 86_400_000;
const prefix = `dhtest:${randomBytes(4).toString('hex')}:`;
let ctx: AppContext;
let codeDir: string;
let projectId: string;

beforeAll(async () => {
  codeDir = await mkdtemp(path.join(tmpdir(), 'dh-retention-'));
  ctx = await createContext(parseSettings({ ...process.env, DOCKHAND_REDIS_PREFIX: prefix, DOCKHAND_LOG_LEVEL: 'fatal', DOCKHAND_CODE_DIR: codeDir, DOCKHAND_TASK_RETENTION_DAYS: '30' }));
  projectId = (await ctx.projects.create('retention')).project.id;
});

afterAll(async () => {
  const keys = await ctx.redis.keys(`${prefix}*`);
  if (keys.length) await ctx.redis.del(...keys);
  await ctx.close();
  await rm(codeDir, { recursive: true, force: true });
});

async function queueTask(code = 'job'): Promise<string> {
  const id = newId();
  await ctx.queue.queueNew([{ task: {
    id, project_id: projectId, code_name: code, code_id: 'c'.repeat(24), code_rev: 1, priority: 0, timeout: 60, delay: 0,
    cluster: 'default', payload: '{}', created_at: new Date().toISOString(), trace_id: randomBytes(16).toString('hex'),
  } }]);
  return id;
}

async function finish(id: string, status: 'complete' | 'cancelled' | 'error'): Promise<void> {
  // The lifecycle table lets only a running (or preparing) task complete.
  if (status === 'complete') {
    await ctx.tasks.transition(id, ['queued'], 'preparing', {});
    await ctx.tasks.transition(id, ['preparing'], 'running', {});
  }
  const from = status === 'complete' ? (['running'] as const) : (['queued'] as const);
  expect((await ctx.tasks.transition(id, [...from], status, { end_time: new Date().toISOString(), attempt_history: [{ attempt: 1, status }] })).applied).toBe(true);
  const task = (await ctx.tasks.get(id))!;
  await ctx.logs.append(id, [{ stream: 'stdout', data: `output of ${id}\n` }]);
  await ctx.telemetry.store.setOwner(task.trace_id, { taskId: id, projectId });
  await ctx.redis.rpush(ctx.keys.traceSpans(task.trace_id), '{}');
}

/** Every key under the test prefix that names the task id or its trace id. */
async function keysOf(id: string): Promise<string[]> {
  const traceId = (await ctx.tasks.get(id))?.trace_id ?? 'none';
  const all = await ctx.redis.keys(`${prefix}*`);
  return all.filter((key) => key.includes(id) || key.includes(traceId));
}

async function indexed(id: string): Promise<boolean> {
  const indexes = [ctx.keys.tasks(projectId), ctx.keys.tasksByCode(projectId, 'job'), ...ctx.keys.allStatusIndexes(projectId)];
  for (const index of indexes) if ((await ctx.redis.zscore(index, id)) !== null) return true;
  return false;
}

describe('task retention', () => {
  it('forgets finished tasks with their log, trace and index entries once retention passed, and nothing else', async () => {
    const done = await queueTask();
    const cancelled = await queueTask();
    const failed = await queueTask();
    const waiting = await queueTask();
    await finish(done, 'complete');
    await finish(cancelled, 'cancelled');
    await finish(failed, 'error');
    expect((await keysOf(done)).length).toBeGreaterThanOrEqual(4);

    // 29 days on, all is kept.
    expect((await sweepRetention(ctx, Date.now() + 29 * DAY)).tasks).toBe(0);
    expect(await ctx.tasks.get(done)).toBeDefined();

    const report = await sweepRetention(ctx, Date.now() + 31 * DAY);
    expect(report.tasks).toBe(3);
    for (const id of [done, cancelled, failed]) {
      expect(await ctx.tasks.get(id)).toBeUndefined();
      expect(await indexed(id)).toBe(false);
    }
    // Reading the trace id first needs the record, so look for the task id and the known trace keys.
    const left = (await ctx.redis.keys(`${prefix}*`)).filter((key) => [done, cancelled, failed].some((id) => key.includes(id)));
    expect(left).toEqual([]);
    expect(await ctx.redis.keys(`${prefix}trace:*`)).toEqual([]);

    // A queued task is work, not history: kept however old.
    expect((await ctx.tasks.get(waiting))?.status).toBe('queued');
    expect(await indexed(waiting)).toBe(true);
    const counts = await ctx.tasks.countByStatus(projectId);
    expect(counts).toMatchObject({ queued: 1, complete: 0, cancelled: 0, error: 0 });
    await ctx.tasks.transition(waiting, ['queued'], 'cancelled', {});
  });

  it('drops index entries whose record is gone', async () => {
    await addTestRevision(ctx, projectId, 'job');
    const id = await queueTask();
    await finish(id, 'complete');
    await ctx.redis.del(ctx.keys.task(id));
    await sweepRetention(ctx, Date.now() + 31 * DAY);
    expect(await indexed(id)).toBe(false);
  });
});

describe('schedule retention', () => {
  it('trims history entries older than retention and forgets ended schedules', async () => {
    const live = newId();
    const ended = newId();
    const now = Date.now();
    for (const [id, status] of [[live, 'scheduled'], [ended, 'cancelled']] as const) {
      await ctx.redis.hset(ctx.keys.schedule(id), 'id', id, 'project_id', projectId, 'status', status, 'updated_at', new Date(now).toISOString());
      await ctx.redis.zadd(ctx.keys.schedules(projectId), now, id);
      await ctx.redis.zadd(ctx.keys.scheduleHistory(id), now - 40 * DAY, JSON.stringify({ at: 'old' }), now, JSON.stringify({ at: 'new' }));
    }
    const report = await sweepRetention(ctx, now + 5 * DAY);
    expect(report.firings).toBe(2);
    expect(await ctx.redis.zcard(ctx.keys.scheduleHistory(live))).toBe(1);
    expect(report.schedules).toBe(0);

    const later = await sweepRetention(ctx, now + 31 * DAY);
    expect(later.schedules).toBe(1);
    expect(await ctx.redis.exists(ctx.keys.schedule(ended), ctx.keys.scheduleHistory(ended))).toBe(0);
    expect(await ctx.redis.zscore(ctx.keys.schedules(projectId), ended)).toBeNull();
    expect(await ctx.redis.exists(ctx.keys.schedule(live))).toBe(1);
  });
});

describe('code store collection', () => {
  async function store(content: string, ageMs: number): Promise<string> {
    const file = path.join(codeDir, `upload-${randomBytes(4).toString('hex')}`);
    await writeFile(file, content);
    const sha256 = createHash('sha256').update(content).digest('hex');
    await ctx.codeStore.put(file, sha256);
    await rm(file, { force: true });
    const when = new Date(Date.now() - ageMs);
    await utimes(ctx.codeStore.path(sha256), when, when);
    return sha256;
  }

  it('deletes old archives no revision references, and keeps referenced and fresh ones', async () => {
    const referenced = await store('referenced', 10 * DAY);
    const built = await store('built from', 10 * DAY);
    const orphan = await store('orphan', 2 * DAY);
    const fresh = await store('upload in flight', 60_000);
    await addTestRevision(ctx, projectId, 'pkg', { archive_sha256: referenced, build: { command: 'npm ci', seconds: 1, source_sha256: built } });

    const report = await sweepRetention(ctx, Date.now());
    expect(report.archives).toBe(1);
    expect(await ctx.codeStore.has(orphan)).toBe(false);
    for (const kept of [referenced, built, fresh]) expect(await ctx.codeStore.has(kept)).toBe(true);

    await ctx.codes.delete(projectId, 'pkg');
    await sweepRetention(ctx, Date.now());
    expect(await ctx.codeStore.has(referenced)).toBe(false);
    expect(await ctx.codeStore.has(built)).toBe(false);
  });
});

describe('the sweep lock', () => {
  it('lets one server per interval sweep', async () => {
    expect(await sweepIfDue(ctx, 'a', 60_000, Date.now())).toBeDefined();
    expect(await sweepIfDue(ctx, 'b', 60_000, Date.now())).toBeUndefined();
  });
});
