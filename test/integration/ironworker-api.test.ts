/**
 * The IronWorker API v2 under /2 against a real Redis, without a worker (tasks stay queued unless the
 * test moves them): auth and project scoping, shapes, filters, paging, errors, uploads and webhooks.
 * The official client drives a whole fleet in test/e2e/ironworker-client.test.ts.
 */
import yauzl from 'yauzl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zipOf } from '../fixtures/archives/zip-fixtures.ts';
import { startFleet, type TestFleet } from '../helpers/fleet.ts';

let fleet: TestFleet;
let base: string;

beforeAll(async () => {
  fleet = await startFleet({ worker: false });
  base = `${fleet.url}/2/projects/${fleet.projectId}`;
});

afterAll(async () => {
  await fleet?.stop();
});

async function iron(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any; text: string; headers: Headers }> {
  const response = await fetch(path.startsWith('http') ? path : `${base}${path}`, {
    method,
    headers: { authorization: `OAuth ${fleet.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  let json: unknown;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: response.status, json, text, headers: response.headers };
}

async function uploadZip(data: Record<string, unknown>, zip?: Buffer): Promise<{ status: number; json: any }> {
  const form = new FormData();
  form.append('data', JSON.stringify(data));
  if (zip) form.append('file', new Blob([zip], { type: 'application/zip' }), 'worker.zip');
  const response = await fetch(`${base}/codes`, { method: 'POST', headers: { authorization: `OAuth ${fleet.token}` }, body: form });
  return { status: response.status, json: await response.json() };
}

const RUNNER_ZIP = zipOf([
  { name: '__runner__.sh', content: 'cd "$2"\nnode worker.js\n' },
  { name: 'worker.js', content: 'console.log("hi")\n' },
]);

async function queue(codeName: string, extra: Record<string, unknown> = {}): Promise<string> {
  const reply = await iron('POST', '/tasks', { tasks: [{ code_name: codeName, payload: '{}', ...extra }] });
  expect(reply.status).toBe(200);
  return reply.json.tasks[0].id as string;
}

describe('IronWorker API v2: auth and projects', () => {
  it('answers 401 in IronWorker shape without a token, and takes the token as OAuth header or ?oauth=', async () => {
    const none = await fetch(`${base}/codes`);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ msg: expect.stringContaining('token') });
    expect((await iron('GET', '/codes')).status).toBe(200);
    const query = await fetch(`${base}/codes?oauth=${encodeURIComponent(fleet.token)}`);
    expect(query.status).toBe(200);
    const wrong = await fetch(`${base}/codes`, { headers: { authorization: 'OAuth nope' } });
    expect(wrong.status).toBe(401);
  });

  it('shows the token\'s project as {id, name} and answers 404 for any other project id', async () => {
    const own = await iron('GET', `${fleet.url}/2/projects/${fleet.projectId}`);
    expect(own.json).toEqual({ id: fleet.projectId, name: 'test' });
    const other = await fleet.ctx.projects.create('other');
    for (const path of [`/2/projects/${other.project.id}`, `/2/projects/${other.project.id}/tasks`, '/2/projects/000000000000000000000000/codes']) {
      const reply = await iron('GET', `${fleet.url}${path}`);
      expect(reply.status).toBe(404);
      expect(reply.json.msg).toMatch(/not found/i);
    }
  });

  it('lists the stacks as a plain array without a token', async () => {
    const response = await fetch(`${fleet.url}/2/stacks`);
    expect(response.status).toBe(200);
    expect(await response.json()).toContain('default');
  });

  it('answers unknown routes with a 404 {"msg"}', async () => {
    const reply = await iron('GET', '/clusters');
    expect(reply.status).toBe(404);
    expect(reply.json).toMatchObject({ msg: expect.stringContaining('No route'), code: 'DH_ERR_NOT_FOUND' });
  });
});

describe('IronWorker API v2: code packages', () => {
  it('accepts a zip-era upload and runs it with the runner arguments on the default stack', async () => {
    const upload = await uploadZip({ name: 'zipped', file_name: '__runner__.sh', runtime: 'sh', content_type: 'text/plain' }, RUNNER_ZIP);
    expect(upload.status).toBe(200);
    expect(upload.json).toMatchObject({ id: expect.stringMatching(/^[0-9a-f]{24}$/), msg: 'Upload successful.' });
    const code = await iron('GET', `/codes/${upload.json.id}`);
    expect(code.json).toMatchObject({
      id: upload.json.id,
      project_id: fleet.projectId,
      name: 'zipped',
      rev: 1,
      runtime: 'sh',
      file_name: '__runner__.sh',
      stack: 'default',
      command: 'sh __runner__.sh -d "$TASK_DIR" -id "$TASK_ID" -payload "$PAYLOAD_FILE" -config "$CONFIG_FILE"',
      config: '',
    });
    expect(Date.parse(code.json.created_at)).not.toBeNaN();
  });

  it('keeps the code of the current revision when an upload only changes options', async () => {
    const first = await uploadZip({ name: 'options', file_name: '__runner__.sh', runtime: 'sh' }, RUNNER_ZIP);
    const second = await uploadZip({ name: 'options', max_concurrency: 3, retries: 2, env_vars: { GREETING: 'hi' } });
    expect(second.status).toBe(200);
    expect(second.json.id).toBe(first.json.id);
    const code = await iron('GET', `/codes/${first.json.id}`);
    expect(code.json).toMatchObject({ rev: 2, max_concurrency: 3, retries: 2, env_vars: { GREETING: 'hi' }, runtime: 'sh', file_name: '__runner__.sh' });
    const revisions = await iron('GET', `/codes/${first.json.id}/revisions`);
    expect(revisions.json.revisions.map((r: { rev: number }) => r.rev)).toEqual([2, 1]);
    expect(new Set(revisions.json.revisions.map((r: { id: string }) => r.id)).size).toBe(2);
    expect(revisions.json.revisions[0]).toMatchObject({ code_id: first.json.id, name: 'options' });
  });

  it('downloads a revision as a zip holding the uploaded files', async () => {
    const upload = await uploadZip({ name: 'downloadable', file_name: '__runner__.sh', runtime: 'sh' }, RUNNER_ZIP);
    const response = await fetch(`${base}/codes/${upload.json.id}/download?revision=1`, { headers: { authorization: `OAuth ${fleet.token}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    expect(response.headers.get('content-disposition')).toContain('downloadable_1.zip');
    const zip = await yauzl.fromBufferPromise(Buffer.from(await response.arrayBuffer()), { lazyEntries: true });
    const names: string[] = [];
    for await (const entry of zip.eachEntry()) names.push(entry.fileName);
    zip.close();
    expect(names.sort()).toEqual(['__runner__.sh', 'worker.js']);
  });

  it('refuses a runtime the default stack lacks, an image without a command, and a missing name, with the field named', async () => {
    const ruby = await uploadZip({ name: 'rb', runtime: 'ruby', file_name: 'worker.rb' }, RUNNER_ZIP);
    expect(ruby.status).toBe(400);
    expect(ruby.json.msg).toContain('runtime');
    const image = await uploadZip({ name: 'img', image: 'dockhand-base:dev' });
    expect(image.status).toBe(400);
    expect(image.json.msg).toContain('command');
    const unnamed = await uploadZip({ image: 'dockhand-base:dev', command: 'true' });
    expect(unnamed.status).toBe(400);
    expect(unnamed.json.msg).toContain('name');
    const injected = await uploadZip({ name: 'inj', runtime: 'sh', file_name: 'x.sh; rm -rf /' }, RUNNER_ZIP);
    expect(injected.status).toBe(400);
    expect(injected.json.msg).toContain('file_name');
  });

  it('pages the code list from page 0', async () => {
    for (const name of ['page-a', 'page-b', 'page-c']) await uploadZip({ name, image: 'dockhand-base:dev', command: 'true' });
    const all = (await iron('GET', '/codes?per_page=100')).json.codes.map((c: { name: string }) => c.name);
    const first = (await iron('GET', '/codes?per_page=2&page=0')).json.codes.map((c: { name: string }) => c.name);
    const second = (await iron('GET', '/codes?per_page=2&page=1')).json.codes.map((c: { name: string }) => c.name);
    expect(first).toEqual(all.slice(0, 2));
    expect(second).toEqual(all.slice(2, 4));
    expect((await iron('GET', '/codes?page=101')).status).toBe(400);
  });

  it('pauses and resumes the task queue of a package, and deletes it', async () => {
    const upload = await uploadZip({ name: 'pausable', image: 'dockhand-base:dev', command: 'true' });
    expect((await iron('POST', `/codes/${upload.json.id}/pause_task_queue`, {})).json).toMatchObject({ msg: 'Paused' });
    expect(await fleet.ctx.codes.isPaused(fleet.projectId, 'pausable')).toBe(true);
    expect((await iron('POST', `/codes/${upload.json.id}/resume_task_queue`)).json).toMatchObject({ msg: 'Resumed' });
    expect(await fleet.ctx.codes.isPaused(fleet.projectId, 'pausable')).toBe(false);
    expect((await iron('DELETE', `/codes/${upload.json.id}`)).json).toEqual({ msg: 'Deleted' });
    expect((await iron('GET', `/codes/${upload.json.id}`)).status).toBe(404);
  });
});

describe('IronWorker API v2: tasks', () => {
  beforeAll(async () => {
    for (const name of ['alpha', 'beta']) await uploadZip({ name, image: 'dockhand-base:dev', command: 'true' });
  });

  it('queues a batch and shows each task in IronWorker shape', async () => {
    const reply = await iron('POST', '/tasks', { tasks: [
      { code_name: 'alpha', payload: '{"n":1}', priority: 2, timeout: 30, delay: 5, label: 'nightly', cluster: 'default', sync: false },
      { code_name: 'alpha', payload: { n: 2 } },
    ] });
    expect(reply.status).toBe(200);
    expect(reply.json.msg).toBe('Queued up');
    expect(reply.json.tasks).toHaveLength(2);
    const task = (await iron('GET', `/tasks/${reply.json.tasks[0].id}`)).json;
    expect(task).toMatchObject({
      id: reply.json.tasks[0].id, project_id: fleet.projectId, code_name: 'alpha', code_rev: '1', status: 'queued',
      priority: 2, timeout: 30, delay: 5, label: 'nightly', cluster: 'default', payload: '{"n":1}', retry_count: 0,
    });
    expect(task.code_id).toMatch(/^[0-9a-f]{24}$/);
    expect(new Date(task.created_at).toISOString()).toBe(task.created_at);
    expect((await iron('GET', `/tasks/${reply.json.tasks[1].id}`)).json.payload).toBe('{"n":2}');
  });

  it('refuses a batch with one bad task without queueing any of it', async () => {
    const before = (await iron('GET', '/tasks?code_name=beta&per_page=100')).json.tasks.length;
    const reply = await iron('POST', '/tasks', { tasks: [{ code_name: 'beta', payload: '' }, { code_name: 'beta', priority: 7 }] });
    expect(reply.status).toBe(400);
    expect(reply.json.msg).toContain('tasks.1.priority');
    expect((await iron('GET', '/tasks?code_name=beta&per_page=100')).json.tasks.length).toBe(before);
    const unknown = await iron('POST', '/tasks', { tasks: [{ code_name: 'beta' }, { code_name: 'nope' }] });
    expect(unknown.status).toBe(404);
    expect(unknown.json.msg).toContain('nope');
    expect((await iron('GET', '/tasks?code_name=beta&per_page=100')).json.tasks.length).toBe(before);
  });

  it('filters by status flags (OR-ed), code, label, cluster and creation time, newest first, in pages', async () => {
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await queue('beta', { label: i % 2 === 0 ? 'even' : 'odd' }));
    await iron('POST', `/tasks/${ids[0]}/cancel`);
    await fleet.ctx.tasks.transition(ids[1]!, ['queued'], 'error', { end_time: new Date().toISOString(), msg: 'failed', error_class: 'Process Exit 1' });
    const list = async (q: string): Promise<string[]> => (await iron('GET', `/tasks?code_name=beta&${q}`)).json.tasks.map((t: { id: string }) => t.id);
    expect(await list('cancelled=1')).toEqual([ids[0]]);
    expect((await list('cancelled=1&error=1')).sort()).toEqual([ids[0], ids[1]].sort());
    expect(await list('queued=1&label=even')).toEqual([ids[4], ids[2]]);
    expect(await list('killed=1')).toEqual([]);
    expect((await list('cluster=default&per_page=100')).length).toBeGreaterThanOrEqual(5);
    expect(await list('cluster=gpu')).toEqual([]);
    const newest = await list('per_page=2&page=0');
    const next = await list('per_page=2&page=1');
    expect(newest).toEqual([ids[4], ids[3]]);
    expect(next).toEqual([ids[2], ids[1]]);
    const future = Math.floor(Date.now() / 1000) + 3600;
    expect(await list(`from_time=${future}`)).toEqual([]);
    expect((await list(`to_time=${future}&per_page=100`)).length).toBeGreaterThanOrEqual(5);
    const errored = (await iron('GET', `/tasks/${ids[1]}`)).json;
    expect(errored).toMatchObject({ status: 'error', error_class: 'Process Exit 1', msg: 'failed' });
    expect((await iron('GET', '/tasks?from_time=yesterday')).status).toBe(400);
  });

  it('counts a package\'s tasks per status', async () => {
    const code = (await iron('GET', '/codes/beta')).json;
    const stats = (await iron('GET', `/codes/${code.id}/stats`)).json;
    expect(stats).toMatchObject({ queued: expect.any(Number), running: 0, complete: 0, error: 1, cancelled: 1, timeout: 0 });
    expect(stats.queued).toBeGreaterThanOrEqual(3);
    const past = (await iron('GET', `/codes/${code.id}/stats?end_date=${Math.floor(Date.now() / 1000) - 3600}`)).json;
    expect(past.queued).toBe(0);
  });

  it('sets progress on an open task, and refuses it once the task has finished', async () => {
    const id = await queue('alpha');
    expect((await iron('POST', `/tasks/${id}/progress`, { percent: 42, msg: 'halfway' })).json).toEqual({ msg: 'Progress set' });
    expect((await iron('GET', `/tasks/${id}`)).json).toMatchObject({ percent: 42, msg: 'halfway', status: 'queued' });
    expect((await iron('POST', `/tasks/${id}/progress`, { msg: 'nearly' })).json).toEqual({ msg: 'Progress set' });
    expect((await iron('GET', `/tasks/${id}`)).json).toMatchObject({ percent: 42, msg: 'nearly' });
    expect((await iron('POST', `/tasks/${id}/progress`, { percent: 140 })).status).toBe(400);
    expect((await iron('POST', `/tasks/${id}/cancel`, '')).json).toEqual({ msg: 'Cancelled' });
    const late = await iron('POST', `/tasks/${id}/progress`, { percent: 50 });
    expect(late.status).toBe(409);
    expect(late.json.msg).toContain('finished');
  });

  it('cancels once, retries a finished task as a new one, and refuses to retry an open one', async () => {
    const id = await queue('alpha');
    const open = await iron('POST', `/tasks/${id}/retry`, { delay: 0 });
    expect(open.status).toBe(409);
    expect((await iron('POST', `/tasks/${id}/cancel`)).status).toBe(200);
    expect((await iron('POST', `/tasks/${id}/cancel`)).status).toBe(409);
    const retried = await iron('POST', `/tasks/${id}/retry`, { delay: 30 });
    expect(retried.status).toBe(200);
    expect(retried.json.msg).toBe('Queued up');
    const again = retried.json.tasks[0];
    expect(again.id).not.toBe(id);
    expect((await iron('GET', `/tasks/${again.id}`)).json).toMatchObject({ status: 'queued', delay: 30, retry_of: id, code_name: 'alpha' });
  });

  it('serves the log as text/plain', async () => {
    const id = await queue('alpha');
    await fleet.ctx.logs.append(id, [{ stream: 'stdout', data: 'out line\n' }, { stream: 'stderr', data: 'err line\n' }]);
    const log = await iron('GET', `/tasks/${id}/log`);
    expect(log.headers.get('content-type')).toContain('text/plain');
    expect(log.text).toBe('out line\nerr line\n');
    expect((await iron('GET', `/tasks/${id}/outlog`)).text).toBe('out line\n');
    expect((await iron('GET', '/tasks/ffffffffffffffffffffffff/log')).status).toBe(404);
  });

  it('cancels every open task of a package', async () => {
    const ids = [await queue('beta'), await queue('beta')];
    const reply = await iron('POST', '/codes/beta/cancel_all');
    expect(reply.json.cancelled_count).toBeGreaterThanOrEqual(2);
    for (const id of ids) expect((await iron('GET', `/tasks/${id}`)).json.status).toBe('cancelled');
  });
});

describe('IronWorker API v2: webhook', () => {
  it('queues a task whose payload is the raw body, whatever its content type', async () => {
    const body = 'event=push&ref=main\n{"not": "parsed"}';
    const response = await fetch(`${base}/tasks/webhook?code_name=alpha&priority=1&label=hook&oauth=${encodeURIComponent(fleet.token)}`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body,
    });
    expect(response.status).toBe(200);
    const reply = await response.json() as { id: string; msg: string };
    expect(reply.msg).toBe('Queued up.');
    expect((await iron('GET', `/tasks/${reply.id}`)).json).toMatchObject({ payload: body, priority: 1, label: 'hook', code_name: 'alpha' });
    const json = await iron('POST', '/tasks/webhook?code_name=alpha', '{"a": 1}');
    expect((await iron('GET', `/tasks/${json.json.id}`)).json.payload).toBe('{"a": 1}');
  });

  it('refuses a body over 64 KB and a missing code name', async () => {
    const big = await iron('POST', '/tasks/webhook?code_name=alpha', 'x'.repeat(64 * 1024 + 1), { 'content-type': 'text/plain' });
    expect(big.status).toBe(413);
    expect(big.json.msg).toBeTruthy();
    const nameless = await iron('POST', '/tasks/webhook', 'x', { 'content-type': 'text/plain' });
    expect(nameless.status).toBe(400);
    expect(nameless.json.msg).toContain('code_name');
  });
});

describe('IronWorker API v2: schedules', () => {
  beforeAll(async () => {
    await uploadZip({ name: 'timed', image: 'dockhand-base:dev', command: 'true' });
  });

  it('creates a batch, shows each schedule in IronWorker shape, and cancels one', async () => {
    const startAt = new Date(Date.now() + 3600_000).toISOString();
    const reply = await iron('POST', '/schedules', { schedules: [
      { code_name: 'timed', payload: '{"a":1}', start_at: startAt, run_every: 3600, run_times: 4, priority: 1, timeout: 30 },
      { code_name: 'timed', payload: '{}', cron: '0 3 * * *', timezone: 'Europe/Berlin', name: 'nightly' },
    ] });
    expect(reply.status).toBe(200);
    expect(reply.json.msg).toBe('Scheduled');
    const [every, cron] = reply.json.schedules as Array<{ id: string }>;
    const shown = (await iron('GET', `/schedules/${every!.id}`)).json;
    expect(shown).toMatchObject({
      id: every!.id, project_id: fleet.projectId, code_name: 'timed', payload: '{"a":1}', status: 'scheduled', start_at: startAt,
      run_every: 3600, run_times: 4, run_count: 0, next_start: startAt, priority: 1, timeout: 30,
    });
    expect((await iron('GET', `/schedules/${cron!.id}`)).json).toMatchObject({ cron: '0 3 * * *', timezone: 'Europe/Berlin', name: 'nightly' });
    expect((await iron('POST', `/schedules/${every!.id}/cancel`)).json).toEqual({ msg: 'Cancelled' });
    expect((await iron('GET', `/schedules/${every!.id}`)).json.status).toBe('cancelled');
  });

  it('pages the schedule list from page 0', async () => {
    const all = (await iron('GET', '/schedules?per_page=100')).json.schedules.map((s: { id: string }) => s.id);
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect((await iron('GET', '/schedules?per_page=1&page=1')).json.schedules.map((s: { id: string }) => s.id)).toEqual([all[1]]);
  });

  it('refuses run_every under 60 s, naming it, and creates nothing of a batch with one bad schedule', async () => {
    const before = (await iron('GET', '/schedules?per_page=100')).json.schedules.length;
    const reply = await iron('POST', '/schedules', { schedules: [{ code_name: 'timed', run_every: 3600 }, { code_name: 'timed', run_every: 30 }] });
    expect(reply.status).toBe(400);
    expect(reply.json.msg).toContain('run_every');
    const unknown = await iron('POST', '/schedules', { schedules: [{ code_name: 'timed', run_every: 3600 }, { code_name: 'nope', run_every: 3600 }] });
    expect(unknown.status).toBe(404);
    expect((await iron('GET', '/schedules?per_page=100')).json.schedules.length).toBe(before);
    expect((await iron('GET', '/schedules/ffffffffffffffffffffffff')).status).toBe(404);
  });

  it('runs a schedule without timing once, straight away', async () => {
    const reply = await iron('POST', '/schedules', { schedules: [{ code_name: 'timed', payload: 'now' }] });
    const id = reply.json.schedules[0].id as string;
    let task: { schedule_id?: string; payload: string } | undefined;
    for (const deadline = Date.now() + 20_000; !task && Date.now() < deadline;) {
      const tasks = (await iron('GET', '/tasks?code_name=timed')).json.tasks as Array<{ schedule_id?: string; payload: string }>;
      task = tasks.find((t) => t.schedule_id === id);
      if (!task) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(task).toMatchObject({ schedule_id: id, payload: 'now' });
  });
});
