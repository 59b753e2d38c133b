/**
 * The /v1 endpoints the dashboard added, against a real Redis (no worker: the tasks stay queued until
 * cancelled): list filters and the cursor, bulk cancel and retry, the overview, the cron preview,
 * extra and read-only tokens, and one-time sign-in links.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../../src/core/model.ts';
import { dockhand } from '../helpers/cli.ts';
import { addTestRevision } from '../helpers/code-revision.ts';
import { startFleet, type TestFleet } from '../helpers/fleet.ts';

let fleet: TestFleet;

beforeAll(async () => {
  fleet = await startFleet({ worker: false });
  await addTestRevision(fleet.ctx, fleet.projectId, 'alpha');
  await addTestRevision(fleet.ctx, fleet.projectId, 'beta');
});

afterAll(async () => {
  await fleet?.stop();
});

async function call<T>(method: string, path: string, body?: unknown, token = fleet.token): Promise<{ status: number; json: T }> {
  const response = await fetch(`${fleet.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  return { status: response.status, json: (await response.json()) as T };
}

describe('the dashboard\'s endpoints', () => {
  it('filters the task list by cluster and creation window and pages with the before and before_id cursors', async () => {
    const gpu = await fleet.client.tasks.queue('alpha', { cluster: 'gpu' });
    const plain = [];
    for (let i = 0; i < 3; i++) {
      plain.push(await fleet.client.tasks.queue('alpha'));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const byCluster = await call<{ tasks: Task[] }>('GET', '/v1/tasks?cluster=gpu');
    expect(byCluster.json.tasks.map((t) => t.id)).toEqual([gpu.id]);
    const firstPage = await call<{ tasks: Task[] }>('GET', '/v1/tasks?code=alpha&limit=2');
    expect(firstPage.json.tasks.map((t) => t.id)).toEqual([plain[2]!.id, plain[1]!.id]);
    const cursor = Date.parse(firstPage.json.tasks[1]!.created_at);
    const next = await call<{ tasks: Task[] }>('GET', `/v1/tasks?code=alpha&limit=2&before=${cursor}`);
    expect(next.json.tasks.map((t) => t.id)).toEqual([plain[0]!.id, gpu.id]);
    const byId = await call<{ tasks: Task[] }>('GET', `/v1/tasks?code=alpha&limit=2&before_id=${firstPage.json.tasks[1]!.id}`);
    expect(byId.json.tasks.map((t) => t.id)).toEqual([plain[0]!.id, gpu.id]);
    const future = await call<{ tasks: Task[] }>('GET', `/v1/tasks?from=${Date.now() + 60_000}`);
    expect(future.json.tasks).toEqual([]);
    expect((await call('GET', '/v1/tasks?from=yesterday')).status).toBe(400);
  });

  it('cancels a filtered selection and retries it, reporting what it skipped', async () => {
    const queued = await Promise.all([1, 2].map(() => fleet.client.tasks.queue('beta')));
    const cancelled = await call<{ selected: number; done: string[]; skipped: unknown[] }>('POST', '/v1/tasks/cancel', { code: 'beta', status: ['queued'] });
    expect(cancelled.status).toBe(200);
    expect(cancelled.json.done.sort()).toEqual(queued.map((t) => t.id).sort());
    for (const task of queued) expect((await fleet.client.tasks.get(task.id)).status).toBe('cancelled');

    const again = await call<{ done: string[]; skipped: { id: string; reason: string }[] }>('POST', '/v1/tasks/cancel', { ids: [queued[0]!.id] });
    expect(again.json.done).toEqual([]);
    expect(again.json.skipped[0]).toMatchObject({ id: queued[0]!.id, reason: expect.stringContaining('already finished') });

    const retried = await call<{ done: string[] }>('POST', '/v1/tasks/retry', { code: 'beta', status: ['cancelled'] });
    expect(retried.json.done).toHaveLength(2);
    const fresh = await fleet.client.tasks.get(retried.json.done[0]!);
    expect(fresh.status).toBe('queued');
    expect(queued.map((t) => t.id)).toContain(fresh.retry_of);
    expect((await call('POST', '/v1/tasks/retry', { status: ['nope'] })).status).toBe(400);
  });

  it('answers the overview per minute of the window, counting what finished and what waits', async () => {
    const { json } = await call<{ minutes: { t: number; finished: Record<string, number>; queue_depth: number }[]; truncated: boolean }>('GET', '/v1/overview?minutes=10');
    expect(json.minutes).toHaveLength(10);
    expect(json.truncated).toBe(false);
    const last = json.minutes[json.minutes.length - 1]!;
    expect(last.finished['cancelled']).toBeGreaterThanOrEqual(2);
    expect(last.queue_depth).toBeGreaterThanOrEqual(4);
    expect((await call('GET', '/v1/overview?minutes=0')).status).toBe(400);
  });

  it('previews cron firings in a zone and explains a bad expression', async () => {
    const { json } = await call<{ zone: string; next: { at: string; wall: string }[] }>('GET', `/v1/cron/next?cron=${encodeURIComponent('30 2 * * *')}&tz=Europe/Berlin&n=2&from=2026-03-28T12:00:00Z`);
    expect(json).toEqual({ zone: 'Europe/Berlin', next: [
      { at: '2026-03-29T01:30:00.000Z', wall: 'Sun 2026-03-29 03:30:00 GMT+2' },
      { at: '2026-03-30T00:30:00.000Z', wall: 'Mon 2026-03-30 02:30:00 GMT+2' },
    ] });
    const bad = await call<{ error: { code: string } }>('GET', '/v1/cron/next?cron=61+*+*+*+*');
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('DH_ERR_VALIDATION');
  });

  it('makes read-only tokens that read but may not write, and says which kind a token is', async () => {
    const { json: issued } = await call<{ token: string; read_only: boolean }>('POST', '/v1/tokens', { read_only: true });
    expect(issued.read_only).toBe(true);
    expect((await call<{ read_only: boolean }>('GET', '/v1/tokens/current', undefined, issued.token)).json).toMatchObject({ project_id: fleet.projectId, read_only: true });
    expect((await call('GET', '/v1/codes', undefined, issued.token)).status).toBe(200);
    const refused = await call<{ error: { code: string } }>('POST', '/v1/tasks/cancel', { code: 'alpha' }, issued.token);
    expect(refused.status).toBe(403);
    expect(refused.json.error.code).toBe('DH_ERR_READ_ONLY_TOKEN');
    expect((await call('POST', '/v1/tokens', {}, issued.token)).status).toBe(403);
    const iron = await call<{ msg: string; code: string }>('POST', `/2/projects/${fleet.projectId}/tasks`, { tasks: [{ code_name: 'alpha' }] }, issued.token);
    expect(iron.status).toBe(403);
    expect(iron.json).toMatchObject({ code: 'DH_ERR_READ_ONLY_TOKEN', msg: expect.stringContaining('read-only') });
    expect((await call('GET', `/2/projects/${fleet.projectId}/tasks`, undefined, issued.token)).status).toBe(200);
    const full = await call<{ token: string }>('POST', '/v1/tokens', {});
    expect((await call<{ read_only: boolean }>('GET', '/v1/tokens/current', undefined, full.json.token)).json.read_only).toBe(false);
  });

  it('redeems a sign-in link once for an expiring token with the access of the token that made it', async () => {
    const { json: readOnly } = await call<{ token: string }>('POST', '/v1/tokens', { read_only: true });
    const link = await call<{ code: string; path: string }>('POST', '/v1/sign-in-links', {}, readOnly.token);
    expect(link.status).toBe(201);
    expect(link.json.path).toBe(`/ui/#sign-in=${link.json.code}`);
    const redeem = (): Promise<Response> => fetch(`${fleet.url}/v1/sign-in-links/redeem`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: link.json.code }) });
    const first = await redeem();
    const session = (await first.json()) as { token: string; read_only: boolean; expires_at: string };
    expect(session.read_only).toBe(true);
    expect(Date.parse(session.expires_at)).toBeGreaterThan(Date.now() + 11 * 3600_000);
    expect(await fleet.ctx.redis.ttl(`${fleet.prefix}token:${(await import('../../src/api/auth.ts')).sha256Hex(session.token)}`)).toBeGreaterThan(11 * 3600);
    expect((await redeem()).status).toBe(401);
  });

  it('gives the CLI a read-only token and a sign-in link (`projects token create --read-only`, `open --print`)', async () => {
    const created = await dockhand(['projects', 'token', 'create', '--read-only', '--json'], fleet.env);
    expect(created.code).toBe(0);
    const issued = JSON.parse(created.stdout) as { token: string; read_only: boolean };
    expect(issued.read_only).toBe(true);
    expect((await call('POST', '/v1/tasks', { code_name: 'alpha' }, issued.token)).status).toBe(403);

    const opened = await dockhand(['open', '--print'], fleet.env);
    expect(opened.code).toBe(0);
    const url = opened.stdout.trim();
    expect(url).toMatch(new RegExp(`^${fleet.url}/ui/#sign-in=[A-Za-z0-9_-]+$`));
    const redeemed = await fetch(`${fleet.url}/v1/sign-in-links/redeem`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: url.split('=')[1] }) });
    expect(redeemed.status).toBe(200);
  });
});
