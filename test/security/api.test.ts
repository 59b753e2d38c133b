/**
 * Hostile requests against the real API: no token, a wrong token, another project's ids, oversized and
 * malformed bodies, path tricks, a flood past the rate limit, secrets in payloads. Each case asserts the
 * refusal in the native error shape (never a stack), and that an ordinary task queued right after
 * still completes.
 */
import { existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KiB, LIMITS } from '../../src/core/limits.ts';
import { MASK } from '../../src/core/secrets.ts';
import { buildApp } from '../../src/api/app.ts';
import { Dockhand, type Task } from '../../src/sdk/index.ts';
import { tarOf } from '../fixtures/archives/tar-fixtures.ts';
import { dockhand } from '../helpers/cli.ts';
import { startFleet, type TestFleet } from '../helpers/fleet.ts';
import { expectFleetStillServes, postCodeUpload, uploadOrdinary, uploadScript } from '../helpers/security.ts';

const ADMIN_TOKEN = `admin-${'x'.repeat(8)}-${Math.random().toString(36).slice(2)}`;
const HAS_SCHEDULES = existsSync(new URL('../../src/api/routes/schedules.ts', import.meta.url));

let fleet: TestFleet;
/** Project A's finished task and package, which project B probes for. */
let victimTask: Task;
let victimCodeId: string;
let intruder: { client: Dockhand; token: string };

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: { error?: { code: string; message: string; details?: unknown } } & Record<string, unknown>;
}

async function call(method: string, path: string, options: { token?: string | null; body?: unknown; raw?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? fleet.token : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(`${fleet.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  let json: Answer['json'] = {};
  try {
    json = JSON.parse(text) as Answer['json'];
  } catch {
    // not JSON: the assertions below say so
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** A request sent byte for byte, so no client normalizes `..` in the path first. */
function rawGet(path: string, token = fleet.token): Promise<{ status: number; body: string }> {
  const url = new URL(fleet.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, method: 'GET', headers: { authorization: `Bearer ${token}` } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The native error shape, with no stack or internal detail in it. */
function expectNativeError(answer: Answer, status: number, code: string): void {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.json.error?.code, answer.text).toBe(code);
  expect(typeof answer.json.error?.message).toBe('string');
  expect(Object.keys(answer.json)).toEqual(['error']);
  expect(answer.text).not.toMatch(/\n\s+at |"stack"|node_modules|\.ts:\d+/);
}

beforeAll(async () => {
  fleet = await startFleet({ concurrency: 2, env: { DOCKHAND_ADMIN_TOKEN: ADMIN_TOKEN } });
  await uploadOrdinary(fleet);
  await uploadScript(fleet, 'victim', 'echo "victim ran"', { env_vars: { GREETING: 'hi' } });
  victimCodeId = (await fleet.client.codes.get('victim')).id;
  victimTask = await fleet.client.tasks.wait((await fleet.client.tasks.queue('victim', { payload: { n: 1 } })).id, { timeoutMs: 60_000 });
  expect(victimTask.status).toBe('complete');
  const other = await fleet.ctx.projects.create('intruder');
  intruder = { client: new Dockhand({ url: fleet.url, token: other.token }), token: other.token };
});

afterAll(async () => {
  await fleet?.stop();
});

/** Every /v1 route that needs a project, with an id or name that exists in project A. */
function projectRoutes(): Array<[string, string, unknown?]> {
  const t = victimTask.id;
  return [
    ['GET', '/v1/codes'],
    ['POST', '/v1/codes', {}],
    ['GET', '/v1/codes/victim'],
    ['GET', '/v1/codes/victim/revisions'],
    ['GET', '/v1/codes/victim/revisions/1'],
    ['GET', '/v1/codes/victim/download'],
    ['DELETE', '/v1/codes/victim'],
    ['GET', '/v1/tasks'],
    ['POST', '/v1/tasks', { code_name: 'victim' }],
    ['GET', `/v1/tasks/${t}`],
    ['GET', `/v1/tasks/${t}/wait?timeout=0`],
    ['GET', `/v1/tasks/${t}/log`],
    ['POST', `/v1/tasks/${t}/cancel`, {}],
    ['POST', `/v1/tasks/${t}/retry`, {}],
    ...(HAS_SCHEDULES ? ([['GET', '/v1/schedules'], ['POST', '/v1/schedules', { code_name: 'victim', cron: '* * * * *' }]] as Array<[string, string, unknown?]>) : []),
  ];
}

describe('hostile requests get the native error shape and the fleet keeps serving', () => {
  it('requests without a token: 401 on every project route', async () => {
    for (const [method, path, body] of projectRoutes()) {
      expectNativeError(await call(method, path, { token: null, ...(body !== undefined ? { body } : {}) }), 401, 'DH_ERR_UNAUTHORIZED');
    }
    await expectFleetStillServes(fleet);
  });

  it("requests with a wrong token, a malformed header or the token's stored hash: 401 everywhere", async () => {
    const { createHash } = await import('node:crypto');
    const storedHash = createHash('sha256').update(fleet.token).digest('hex');
    for (const token of ['not-a-token', `${fleet.token}x`, fleet.token.slice(0, -1), storedHash]) {
      for (const [method, path, body] of projectRoutes()) {
        expectNativeError(await call(method, path, { token, ...(body !== undefined ? { body } : {}) }), 401, 'DH_ERR_UNAUTHORIZED');
      }
    }
    expectNativeError(await call('GET', '/v1/tasks', { token: null, headers: { authorization: `Basic ${fleet.token}` } }), 401, 'DH_ERR_UNAUTHORIZED');
    await expectFleetStillServes(fleet);
  });

  it("another project's code and tasks, by name and by id: 404 exactly like ids that never existed, and nothing changes", async () => {
    const as = (method: string, path: string, body?: unknown): Promise<Answer> => call(method, path, { token: intruder.token, ...(body !== undefined ? { body } : {}) });
    const t = victimTask.id;
    const probes: Array<[string, string, unknown?, string?]> = [
      ['GET', '/v1/codes/victim', undefined, 'DH_ERR_CODE_NOT_FOUND'],
      ['GET', `/v1/codes/${victimCodeId}`, undefined, 'DH_ERR_CODE_NOT_FOUND'],
      ['GET', '/v1/codes/victim/revisions', undefined, 'DH_ERR_CODE_NOT_FOUND'],
      ['GET', '/v1/codes/victim/revisions/1', undefined, 'DH_ERR_CODE_NOT_FOUND'],
      ['GET', `/v1/codes/${victimCodeId}/download`, undefined, 'DH_ERR_CODE_NOT_FOUND'],
      ['DELETE', '/v1/codes/victim', undefined, 'DH_ERR_CODE_NOT_FOUND'],
      ['DELETE', `/v1/codes/${victimCodeId}`, undefined, 'DH_ERR_CODE_NOT_FOUND'],
      ['POST', '/v1/tasks', { code_name: 'victim' }, 'DH_ERR_CODE_NOT_FOUND'],
      ['GET', `/v1/tasks/${t}`, undefined, 'DH_ERR_TASK_NOT_FOUND'],
      ['GET', `/v1/tasks/${t}/wait?timeout=0`, undefined, 'DH_ERR_TASK_NOT_FOUND'],
      ['GET', `/v1/tasks/${t}/log`, undefined, 'DH_ERR_TASK_NOT_FOUND'],
      ['GET', `/v1/tasks/${t}/log?follow=1`, undefined, 'DH_ERR_TASK_NOT_FOUND'],
      ['POST', `/v1/tasks/${t}/cancel`, {}, 'DH_ERR_TASK_NOT_FOUND'],
      ['POST', `/v1/tasks/${t}/retry`, {}, 'DH_ERR_TASK_NOT_FOUND'],
    ];
    for (const [method, path, body, code] of probes) {
      const answer = await as(method, path, body);
      expectNativeError(answer, 404, code!);
      // The same answer as for something that never existed: nothing hints that it exists elsewhere.
      const neverPath = path.replace('victim', 'never-existed').replace(victimCodeId, 'ffffffffffffffffffffffff').replace(t, 'ffffffffffffffffffffffff');
      const never = await as(method, neverPath, body === undefined ? undefined : JSON.parse(JSON.stringify(body).replace('victim', 'never-existed')));
      expect(never.status).toBe(404);
      expect(answer.json.error?.message.replaceAll(/victim|[0-9a-f]{24}/g, '?')).toBe(never.json.error?.message.replaceAll(/never-existed|[0-9a-f]{24}/g, '?'));
    }
    expect(await intruder.client.tasks.list()).toEqual([]);
    expect(await intruder.client.codes.list()).toEqual([]);
    // Project A's package and task are untouched by the deletes, cancels and retries above.
    expect((await fleet.client.codes.get('victim')).id).toBe(victimCodeId);
    expect((await fleet.client.tasks.get(t)).status).toBe('complete');
    expect((await fleet.client.tasks.list({ code: 'victim' })).map((task) => task.id)).toEqual([t]);
    await expectFleetStillServes(fleet);
  });

  it.runIf(HAS_SCHEDULES)("another project's schedule: 404 on every schedule route", async () => {
    const schedule = await call('POST', '/v1/schedules', { body: { code_name: 'victim', cron: '0 3 * * *', name: 'nightly' } });
    expect(schedule.status, schedule.text).toBe(201);
    const id = schedule.json['id'] as string;
    for (const [method, path, body] of [
      ['GET', `/v1/schedules/${id}`],
      ['PUT', `/v1/schedules/${id}`, { code_name: 'victim', cron: '0 4 * * *' }],
      ['DELETE', `/v1/schedules/${id}`],
      ['POST', `/v1/schedules/${id}/pause`, {}],
      ['POST', `/v1/schedules/${id}/resume`, {}],
      ['POST', `/v1/schedules/${id}/cancel`, {}],
      ['GET', `/v1/schedules/${id}/history`],
      ['GET', '/v1/schedules/nightly'],
    ] as Array<[string, string, unknown?]>) {
      expectNativeError(await call(method, path, { token: intruder.token, ...(body !== undefined ? { body } : {}) }), 404, 'DH_ERR_SCHEDULE_NOT_FOUND');
    }
    expect((await call('GET', `/v1/schedules/${id}`)).json['status']).not.toBe('cancelled');
    await call('DELETE', `/v1/schedules/${id}`);
    await expectFleetStillServes(fleet);
  });

  it('oversized requests: a payload over 64 KiB, a body over the route limit, a config over 64 KiB, an upload description over its field limit: 413', async () => {
    const atLimit = 'x'.repeat(LIMITS.payloadMaxBytes);
    const accepted = await call('POST', '/v1/tasks', { body: { code_name: 'ordinary', payload: atLimit, delay: 3600 } });
    expect(accepted.status, accepted.text).toBe(201);
    await fleet.client.tasks.cancel(accepted.json['id'] as string);

    const payload = await call('POST', '/v1/tasks', { body: { code_name: 'ordinary', payload: `${atLimit}x` } });
    expectNativeError(payload, 413, 'DH_ERR_PAYLOAD_TOO_LARGE');
    expect(payload.json.error?.message).toMatch(/65537 bytes.*65536/);

    expectNativeError(await call('POST', `/v1/tasks/${victimTask.id}/retry`, { body: { pad: 'x'.repeat(200 * KiB) } }), 413, 'DH_ERR_PAYLOAD_TOO_LARGE');
    expectNativeError(await call('POST', '/v1/tasks', { raw: `{"tasks":[${'"x",'.repeat(3_000_000)}"x"]}` }), 413, 'DH_ERR_PAYLOAD_TOO_LARGE');

    const uploadWith = async (data: Record<string, unknown>): Promise<Answer> => {
      const response = await postCodeUpload(fleet, data, { stream: Readable.from([gzipSync(await tarOf([{ name: 'main.sh', content: 'echo hi\n' }]))]), filename: 'c.tar.gz' });
      const text = await response.text();
      return { status: response.status, headers: response.headers, text, json: JSON.parse(text) as Answer['json'] };
    };
    const config = await uploadWith({ name: 'big-config', stack: 'shell', config: { blob: 'x'.repeat(LIMITS.configMaxBytes) } });
    expectNativeError(config, 413, 'DH_ERR_PAYLOAD_TOO_LARGE');
    expect(config.json.error?.message).toMatch(/config/);
    expectNativeError(await uploadWith({ name: 'bigger-config', stack: 'shell', config: { blob: 'x'.repeat(LIMITS.configMaxBytes * 4) } }), 413, 'DH_ERR_PAYLOAD_TOO_LARGE');
    // A description sent as a plain field, past the field's bound on memory.
    const form = new FormData();
    form.append('data', JSON.stringify({ name: 'huge-data', stack: 'shell', command: 'x'.repeat(3 * 1024 * 1024) }));
    const huge = await fetch(`${fleet.url}/v1/codes`, { method: 'POST', headers: { authorization: `Bearer ${fleet.token}` }, body: form });
    const hugeText = await huge.text();
    expectNativeError({ status: huge.status, headers: huge.headers, text: hugeText, json: JSON.parse(hugeText) as Answer['json'] }, 413, 'DH_ERR_PAYLOAD_TOO_LARGE');
    for (const name of ['big-config', 'bigger-config', 'huge-data']) await expect(fleet.client.codes.get(name)).rejects.toMatchObject({ status: 404 });
    await expectFleetStillServes(fleet);
  });

  it('a package or task asking for weaker isolation: every field beyond the allowed ones is refused, and limits stay within their maxima', async () => {
    const weaker = { privileged: true, cap_add: ['SYS_ADMIN'], binds: ['/:/host'], volumes: ['/var/run/docker.sock:/var/run/docker.sock'], user: 'root', runtime: 'runc', network_mode: 'host', security_opt: ['seccomp=unconfined'], pids_limit: -1 };
    const upload = await intruder.client.codes.upload(undefined, { name: 'weaker', image: 'dockhand/stack-shell:latest', command: 'id', ...weaker }).catch((err: { status: number; code: string; details: Array<{ path: string; message: string }> }) => err);
    expect(upload).toMatchObject({ status: 400, code: 'DH_ERR_VALIDATION' });
    expect(JSON.stringify((upload as { details: unknown }).details)).toMatch(/privileged.*cap_add.*binds/);
    for (const limits of [{ memory: 1_000_000 }, { memory: 1 }, { cpus: 1000 }, { timeout: 10 ** 9 }, { env_vars: { TASK_DIR: '/' } }, { env_vars: { 'A=B': 'x' } }]) {
      const refused = await intruder.client.codes.upload(undefined, { name: 'weaker', image: 'dockhand/stack-shell:latest', command: 'id', ...limits } as never).catch((err: { status: number }) => err);
      expect(refused, JSON.stringify(limits)).toMatchObject({ status: 400 });
    }
    const task = await call('POST', '/v1/tasks', { body: { code_name: 'ordinary', privileged: true, memory: 99_999, network: true, image: 'alpine' } });
    expectNativeError(task, 400, 'DH_ERR_VALIDATION');
    expect(await intruder.client.codes.list()).toEqual([]);
    await expectFleetStillServes(fleet);
  });

  it('malformed bodies: broken JSON, an empty JSON body, a wrong content type: 400 in the native shape', async () => {
    expectNativeError(await call('POST', '/v1/tasks', { raw: '{"code_name": "ordinary",' }), 400, 'DH_ERR_BAD_JSON');
    expectNativeError(await call('POST', '/v1/tasks', { raw: '{"code_name": "ordinary"} trailing' }), 400, 'DH_ERR_BAD_JSON');
    expectNativeError(await call('POST', '/v1/tasks', { raw: '' }), 400, 'DH_ERR_BAD_JSON');
    expectNativeError(await call('POST', '/v1/tasks', { raw: 'code_name=ordinary', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 400, 'DH_ERR_VALIDATION');
    expectNativeError(await call('POST', '/v1/codes', { raw: '{"name":"x"}' }), 400, 'DH_ERR_VALIDATION');
    expectNativeError(await call('POST', '/v1/tasks', { raw: '{"__proto__": {"admin": true}, "code_name": "ordinary"}' }), 400, 'DH_ERR_BAD_JSON');
    await expectFleetStillServes(fleet);
  });

  it('schema errors: 400 whose details name every bad field by its path', async () => {
    const single = await call('POST', '/v1/tasks', { body: { code_name: 5, priority: 7, timeout: -1, delay: 'soon', surprise: true } });
    expectNativeError(single, 400, 'DH_ERR_VALIDATION');
    const paths = (single.json.error?.details as Array<{ path: string }>).map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['code_name', 'priority', 'timeout', 'delay']));
    expect(single.json.error?.message).toMatch(/field "code_name"/);

    const batch = await call('POST', '/v1/tasks', { body: { tasks: [{ code_name: 'ordinary' }, { code_name: 'ordinary', priority: 9 }] } });
    expectNativeError(batch, 400, 'DH_ERR_VALIDATION');
    expect((batch.json.error?.details as Array<{ path: string }>).map((d) => d.path)).toEqual(['tasks.1.priority']);

    const query = await call('GET', '/v1/tasks?status=queued&status=error&limit=abc&before=yesterday');
    expectNativeError(query, 400, 'DH_ERR_VALIDATION');
    expect((query.json.error?.details as Array<{ path: string }>).map((d) => d.path)).toEqual(['status', 'limit', 'before']);
    await expectFleetStillServes(fleet);
  });

  it('path tricks in names and ids: "..", encoded slashes, NUL, Redis key separators: 400 or 404, never another resource', async () => {
    for (const path of [
      '/v1/codes/..%2F..%2Fetc%2Fpasswd',
      '/v1/codes/%2e%2e',
      '/v1/codes/victim%00',
      '/v1/codes/victim:rev:1',
      '/v1/codes/victim%3Arev%3A1',
      `/v1/tasks/${victimTask.id}%2F..%2F..`,
      '/v1/tasks/..%2F..%2F..%2Fetc%2Fpasswd',
      `/v1/tasks/${victimTask.id.toUpperCase()}`,
    ]) {
      const answer = await call('GET', path);
      expect([400, 404], `${path}: ${answer.text}`).toContain(answer.status);
      expect(answer.text).not.toContain('"rev":1');
      expect(answer.text).not.toContain(`"id":"${victimTask.id}"`);
      expect(Object.keys(answer.json)).toEqual(['error']);
    }
    // Unnormalized `..` segments sent on the wire resolve inside /v1 or not at all.
    for (const path of ['/v1/codes/../../etc/passwd', '/v1/tasks/../codes/victim/../../../health/../v1/codes', '/v1/codes/victim/../../../../../../etc/shadow']) {
      const answer = await rawGet(path, intruder.token);
      expect([400, 404], `${path}: ${answer.body}`).toContain(answer.status);
      expect(answer.body).not.toMatch(/root:|"rev"/);
    }
    expectNativeError(await call('POST', '/v1/tasks', { body: { code_name: '../ordinary' } }), 400, 'DH_ERR_VALIDATION');
    const upload = await intruder.client.codes.upload(undefined, { name: '../../escape', image: 'dockhand/stack-shell:latest', command: 'true' }).catch((err: { status: number; code: string }) => err);
    expect(upload).toMatchObject({ status: 400, code: 'DH_ERR_VALIDATION' });
    expect(await intruder.client.codes.list()).toEqual([]);
    await expectFleetStillServes(fleet);
  });

  it.runIf(HAS_SCHEDULES)('an invalid cron expression: 400 naming the cron field', async () => {
    for (const cron of ['61 * * * *', '* * * *', '*/0 * * * *', 'every day', '* * 31 2 *; rm -rf /']) {
      const answer = await call('POST', '/v1/schedules', { body: { code_name: 'ordinary', cron } });
      expectNativeError(answer, 400, 'DH_ERR_VALIDATION');
      expect(JSON.stringify(answer.json.error)).toMatch(/cron/);
    }
    expectNativeError(await call('POST', '/v1/schedules', { body: { code_name: 'ordinary', cron: '0 3 * * *', timezone: '../../etc/localtime' } }), 400, 'DH_ERR_VALIDATION');
    expect(((await call('GET', '/v1/schedules')).json['schedules'] as unknown[]).length).toBe(0);
    await expectFleetStillServes(fleet);
  });

  it('a flood past the per-token rate limit: 429 with Retry-After, while other tokens are still served', async () => {
    // A second API on the same Redis and projects, with a limit low enough to reach in a test.
    const app = await buildApp({ ...fleet.ctx, settings: { ...fleet.ctx.settings, DOCKHAND_RATE_LIMIT: 20, DOCKHAND_RATE_WINDOW_SECONDS: 60 } }, { logger: false });
    try {
      const flooder = await fleet.ctx.projects.create('flooder');
      const answers = [];
      for (let i = 0; i < 25; i++) answers.push(await app.inject({ method: 'GET', url: '/v1/tasks', headers: { authorization: `Bearer ${flooder.token}` } }));
      expect(answers.slice(0, 20).map((a) => a.statusCode)).toEqual(Array(20).fill(200));
      expect(answers[0]!.headers['x-ratelimit-limit']).toBe('20');
      expect(answers[19]!.headers['x-ratelimit-remaining']).toBe('0');
      const refused = answers.slice(20);
      for (const answer of refused) {
        expect(answer.statusCode).toBe(429);
        expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'DH_ERR_RATE_LIMITED', details: { limit: 20, window_seconds: 60 } } });
        const retryAfter = Number(answer.headers['retry-after']);
        expect(retryAfter).toBeGreaterThanOrEqual(1);
        expect(retryAfter).toBeLessThanOrEqual(60);
      }
      // Another token on the same server is not throttled by the flood.
      const bystander = await fleet.ctx.projects.create('bystander');
      expect((await app.inject({ method: 'GET', url: '/v1/tasks', headers: { authorization: `Bearer ${bystander.token}` } })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
    await expectFleetStillServes(fleet);
  });

  it('odd inputs that used to reach deep code: every answer is a 4xx in the native shape, never a 5xx or a stack', async () => {
    const odd: Array<[string, string, unknown?]> = [
      ['GET', '/v1/tasks?status=queued&status=error'],
      ['GET', '/v1/tasks?before=NaN'],
      ['GET', '/v1/tasks?limit=99999999999999999999'],
      ['GET', '/v1/tasks?code=a:b'],
      ['GET', '/v1/codes/victim/revisions/abc'],
      ['GET', '/v1/codes/victim/revisions/1e309'],
      ['GET', '/v1/codes/victim/download?revision=-1'],
      ['GET', '/v1/codes/victim/download?revision=1&revision=2'],
      ['GET', '/v1/tasks/%E0%A4%A'],
      ['GET', `/v1/codes/${'a'.repeat(5000)}`],
      ['POST', `/v1/tasks/${victimTask.id}/retry`, { delay: Number.POSITIVE_INFINITY }],
      ['POST', `/v1/tasks/${victimTask.id}/retry`, { delay: 'soon' }],
      ['POST', '/v1/tasks', []],
      ['POST', '/v1/tasks', 'just a string'],
      ['POST', '/v1/tasks', null],
      ['POST', '/v1/projects', { name: 'x' }],
      ...(HAS_SCHEDULES
        ? ([['GET', '/v1/schedules?status=scheduled&status=paused'], ['GET', '/v1/schedules?limit=abc'], ['GET', '/v1/schedules?code=a:b'], ['GET', '/v1/schedules/%E0%A4%A']] as Array<[string, string, unknown?]>)
        : []),
    ];
    for (const [method, path, body] of odd) {
      const answer = await call(method, path, body !== undefined ? { body } : {});
      expect(answer.status, `${method} ${path.slice(0, 80)}: ${answer.text.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
      expect(answer.status, `${method} ${path.slice(0, 80)}: ${answer.text.slice(0, 300)}`).toBeLessThan(500);
      expect(Object.keys(answer.json)).toEqual(['error']);
      expect(answer.text).not.toMatch(/\n\s+at |"stack"|node_modules|\.ts:\d+/);
    }
    await expectFleetStillServes(fleet);
  });

  it('secrets in payloads, configs and env vars: masked in every listing, while the task still receives them', async () => {
    await uploadScript(fleet, 'uses-secrets', [
      'password=$(jq -r .db.password "$PAYLOAD_FILE")',
      'api_key=$(jq -r .api_key "$CONFIG_FILE")',
      'printf \'{"password_len": %d, "api_key_len": %d, "token_len": %d}\' "${#password}" "${#api_key}" "${#SERVICE_TOKEN}" > "$RESULT_FILE"',
    ].join('\n'), { config: { api_key: 'cfg-secret-123', region: 'eu' }, env_vars: { SERVICE_TOKEN: 'env-secret-4567', GREETING: 'hi' } });
    const payload = { user: 'ann', db: { host: 'db.internal', password: 'hunter2-secret' }, services: [{ name: 'mail', token: 'tok-secret' }] };
    const queued = await call('POST', '/v1/tasks', { body: { code_name: 'uses-secrets', payload } });
    expect(queued.status).toBe(201);
    const done = await fleet.client.tasks.wait(queued.json['id'] as string, { timeoutMs: 60_000 });
    expect(done.result).toEqual({ password_len: 14, api_key_len: 14, token_len: 15 });

    const shown = [queued.text, JSON.stringify(done), (await call('GET', `/v1/tasks/${done.id}`)).text, (await call('GET', '/v1/tasks?code=uses-secrets')).text];
    for (const text of shown) {
      expect(text).not.toMatch(/hunter2|tok-secret/);
      expect(text).toContain('db.internal');
    }
    expect(JSON.parse(JSON.parse(shown[2]!).payload)).toEqual({ user: 'ann', db: { host: 'db.internal', password: MASK }, services: [{ name: 'mail', token: MASK }] });
    const code = [(await call('GET', '/v1/codes/uses-secrets')).text, (await call('GET', '/v1/codes')).text, (await call('GET', '/v1/codes/uses-secrets/revisions')).text];
    for (const text of code) {
      expect(text).not.toMatch(/cfg-secret|env-secret/);
      expect(text).toContain('"GREETING":"hi"');
    }
    if (HAS_SCHEDULES) {
      const schedule = await call('POST', '/v1/schedules', { body: { code_name: 'uses-secrets', cron: '0 3 * * *', payload } });
      expect(schedule.status, schedule.text).toBe(201);
      for (const text of [schedule.text, (await call('GET', `/v1/schedules/${schedule.json['id'] as string}`)).text, (await call('GET', '/v1/schedules')).text]) {
        expect(text).not.toMatch(/hunter2|tok-secret/);
        expect(text).toContain('db.internal');
      }
      await call('DELETE', `/v1/schedules/${schedule.json['id'] as string}`);
    }
    // A retry queues the real payload again, not the masked copy.
    const retried = await fleet.client.tasks.wait((await fleet.client.tasks.retry(done.id)).id, { timeoutMs: 60_000 });
    expect(retried.result).toEqual({ password_len: 14, api_key_len: 14, token_len: 15 });
    await expectFleetStillServes(fleet);
  });

  it('creating projects: only the admin token may, over HTTP or with the CLI, and each project gets its own working token', async () => {
    expectNativeError(await call('POST', '/v1/projects', { token: null, body: { name: 'x' } }), 401, 'DH_ERR_UNAUTHORIZED');
    expectNativeError(await call('POST', '/v1/projects', { token: 'guess-the-admin-token', body: { name: 'x' } }), 401, 'DH_ERR_UNAUTHORIZED');
    expectNativeError(await call('POST', '/v1/projects', { body: { name: 'x' } }), 403, 'DH_ERR_FORBIDDEN');
    expectNativeError(await call('POST', '/v1/projects', { token: ADMIN_TOKEN, body: { name: '../root' } }), 400, 'DH_ERR_VALIDATION');

    const created = await call('POST', '/v1/projects', { token: ADMIN_TOKEN, body: { name: 'billing' } });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: 'billing', id: expect.stringMatching(/^[0-9a-f]{24}$/), token: expect.any(String) });
    // The admin token opens nothing else.
    expectNativeError(await call('GET', '/v1/tasks', { token: ADMIN_TOKEN }), 401, 'DH_ERR_UNAUTHORIZED');

    const overHttp = await dockhand(['--json', '--url', fleet.url, 'projects', 'create', 'ops', '--admin-token', ADMIN_TOKEN], {});
    expect(overHttp.code, overHttp.stderr).toBe(0);
    const local = await dockhand(['--json', 'projects', 'create', 'local-one'], { REDIS_URL: fleet.ctx.settings.REDIS_URL ?? 'redis://127.0.0.1:6390', DOCKHAND_REDIS_PREFIX: fleet.prefix, DOCKHAND_ADMIN_TOKEN: '' });
    expect(local.code, local.stderr).toBe(0);
    for (const made of [created.json, JSON.parse(overHttp.stdout), JSON.parse(local.stdout)] as Array<{ id: string; token: string }>) {
      const client = new Dockhand({ url: fleet.url, token: made.token });
      await uploadOrdinary(client);
      expect(await client.tasks.list()).toEqual([]);
      await expectFleetStillServes(fleet, client);
    }
    const human = await dockhand(['projects', 'create', 'plain'], { REDIS_URL: fleet.ctx.settings.REDIS_URL ?? 'redis://127.0.0.1:6390', DOCKHAND_REDIS_PREFIX: fleet.prefix, DOCKHAND_ADMIN_TOKEN: '' });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^id: +[0-9a-f]{24}\ntoken: +\S+\n$/);
  });
});
