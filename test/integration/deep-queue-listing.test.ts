/**
 * Paging through a deep queue over the API: a few thousand queued tasks (batches of 100 share their
 * creation ms), listed 100 at a time with the `before_id` cursor, come back newest first with none
 * missing and none repeated; `before` (ms) alone lists strictly older tasks. No worker, no Docker.
 * Behaviour only; the speed of the listing is `npm run bench`'s. About 5 s.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../../src/core/model.ts';
import { parseSettings } from '../../src/core/settings.ts';
import { startServerRole } from '../../src/roles/server-role.ts';
import { Dockhand } from '../../src/sdk/index.ts';
import { createContext, type AppContext } from '../../src/service/context.ts';
import { addTestRevision } from '../helpers/code-revision.ts';

const QUEUED = 3000;
const CLUSTER = 'nobody-serves-this';

let ctx: AppContext;
let dataDir: string;
let close: () => Promise<void>;
let client: Dockhand;
let url: string;
let token: string;
let queued: Task[];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-listing-'));
  const prefix = `dhtest:${randomBytes(4).toString('hex')}:`;
  ctx = await createContext(parseSettings({ ...process.env, DOCKHAND_REDIS_PREFIX: prefix, DOCKHAND_DATA_DIR: dataDir, DOCKHAND_PORT: '0', DOCKHAND_HOST: '127.0.0.1', DOCKHAND_LOG_LEVEL: 'warn', OTEL_SDK_DISABLED: 'true' }));
  const created = await ctx.projects.create('listing');
  await addTestRevision(ctx, created.project.id, 'noop');
  const server = await startServerRole(ctx);
  close = () => server.app.close();
  url = server.url;
  token = created.token;
  client = new Dockhand({ url, token });
  queued = await client.tasks.queueMany(Array.from({ length: QUEUED }, (_, i) => ({ code_name: 'noop', cluster: CLUSTER, payload: { i } })));
}, 60_000);

afterAll(async () => {
  await close?.();
  const keys = await ctx.redis.keys(`${ctx.keys.prefix}*`);
  for (let i = 0; i < keys.length; i += 500) await ctx.redis.del(...keys.slice(i, i + 500));
  await ctx.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('listing a deep queue', () => {
  // 30 ends pages inside batches (a cursor of the creation ms alone skipped the rest of the batch).
  it.each([100, 30])('pages through every queued task with before_id, %i a page, newest first, none missing or repeated', async (limit) => {
    const seen: Task[] = [];
    let page = await client.tasks.list({ status: 'queued', limit });
    while (page.length > 0) {
      seen.push(...page);
      expect(page.length).toBeLessThanOrEqual(limit);
      page = await client.tasks.list({ status: 'queued', limit, before_id: page.at(-1)!.id });
    }
    const ids = seen.map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(QUEUED);
    expect(new Set(ids)).toEqual(new Set(queued.map((t) => t.id)));
    const times = seen.map((t) => Date.parse(t.created_at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('pages the same way with a filter no index answers (cluster)', async () => {
    const seen = new Set<string>();
    let page = await client.tasks.list({ status: 'queued', cluster: CLUSTER, limit: 250 });
    let pages = 0;
    while (page.length > 0) {
      for (const task of page) seen.add(task.id);
      pages += 1;
      page = await client.tasks.list({ status: 'queued', cluster: CLUSTER, limit: 250, before_id: page.at(-1)!.id });
    }
    expect(pages).toBe(QUEUED / 250);
    expect(seen.size).toBe(QUEUED);
  });

  it('continues after a cursor whose task has left the status index', async () => {
    const first = await client.tasks.list({ status: 'queued', limit: 50 });
    const cursor = first.at(-1)!;
    await client.tasks.cancel(cursor.id);
    const next = await client.tasks.list({ status: 'queued', limit: 50, before_id: cursor.id });
    const expected = (await client.tasks.list({ status: 'queued', limit: 99 })).slice(49);
    expect(next.map((t) => t.id)).toEqual(expected.map((t) => t.id));
  });

  it('lists with before (ms) only tasks created strictly earlier, and refuses an unknown before_id', async () => {
    const page = await client.tasks.list({ status: 'queued', limit: 100 });
    const cursorMs = Date.parse(page.at(-1)!.created_at);
    const older = await client.tasks.list({ status: 'queued', limit: 100, before: cursorMs });
    expect(older.every((t) => Date.parse(t.created_at) < cursorMs)).toBe(true);
    const unknown = await fetch(`${url}/v1/tasks?before_id=${'0'.repeat(24)}`, { headers: { authorization: `Bearer ${token}` } });
    expect(unknown.status).toBe(400);
    const withMs = await client.tasks.list({ status: 'queued', limit: 10, before_id: 'f'.repeat(24), before: cursorMs });
    expect(withMs.every((t) => Date.parse(t.created_at) <= cursorMs)).toBe(true);
  });
});
