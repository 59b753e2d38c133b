/**
 * The official IronWorker Node client (`iron_worker@0.1.8` from npm, unmodified) against a running
 * Dockhand, configured only through IRON_* variables: upload a Node worker the zip-era way, queue,
 * wait, read logs, cancel, retry, list with filters, set progress, and schedule.
 */
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureStacksBuilt } from '../../src/stacks/build.ts';
import { REPO_ROOT } from '../helpers/cli.ts';
import { docker } from '../helpers/docker.ts';
import { startFleet, type TestFleet } from '../helpers/fleet.ts';
import { IronClient, type IronSession } from '../helpers/iron-client.ts';
import { waitFor } from '../helpers/schedulers.ts';

interface IronTask {
  id: string;
  status: string;
  code_name: string;
  priority: number;
  timeout: number;
  label?: string;
  duration?: number;
  start_time?: string;
  end_time?: string;
  percent?: number;
  msg?: string;
  error_class?: string;
  retry_of?: string;
  schedule_id?: string;
}

let fleet: TestFleet;
let iron: IronSession;
let workerDir: string;

beforeAll(async () => {
  const client = await IronClient.install();
  fleet = await startFleet({ concurrency: 2 });
  // A zip-era upload names no stack, so it runs on `default` (cached by content hash after one build).
  await ensureStacksBuilt(docker(), fleet.ctx.catalog, ['default']);
  iron = await client.session({ url: fleet.url, token: fleet.token, projectId: fleet.projectId });
  // codesUpload adds its runner to the directory it zips, so it gets a copy of the worker.
  workerDir = path.join(iron.dir, 'hello');
  await cp(path.join(REPO_ROOT, 'test/fixtures/ironworker/hello'), workerDir, { recursive: true });
});

afterAll(async () => {
  await fleet?.stop();
  await iron?.remove();
});

describe('the official IronWorker Node client against Dockhand', () => {
  let firstTask: IronTask;

  it('uploads a Node worker with codesUpload and finds it with codesList', async () => {
    const uploaded = await iron.call<{ id: string; msg: string }>('codesUpload', 'hello', workerDir, 'worker.js');
    expect(uploaded.msg).toBe('Upload successful.');
    const codes = await iron.call<Array<{ id: string; name: string; runtime?: string; file_name?: string; rev: number }>>('codesList', {});
    expect(codes).toEqual([expect.objectContaining({ id: uploaded.id, name: 'hello', runtime: 'sh', file_name: '__runner__.sh', rev: 1 })]);
  });

  it('queues with priority, timeout and label, waits for the task and reads its log', async () => {
    const created = await iron.call<{ id: string }>('tasksCreate', 'hello', { name: 'dockhand' }, { priority: 2, timeout: 90, label: 'e2e' });
    expect(created.id).toMatch(/^[0-9a-f]{24}$/);
    firstTask = await iron.call<IronTask>('tasksWaitFor', created.id, {});
    expect(firstTask).toMatchObject({ id: created.id, status: 'complete', code_name: 'hello', priority: 2, timeout: 90, label: 'e2e' });
    expect(firstTask.duration).toEqual(expect.any(Number));
    expect(Date.parse(firstTask.end_time!)).toBeGreaterThanOrEqual(Date.parse(firstTask.start_time!));

    const log = await iron.call<string>('tasksLog', created.id);
    expect(log).toContain('hello dockhand');
    expect(log).toContain(`runner: sh __runner__.sh -d /task -id ${created.id} -payload /run/dockhand/payload.json -config /run/dockhand/config.json`);
    expect(log).toContain(`task ${created.id} in /task (TASK_DIR /task)`);
    expect(log).toContain('config file present');
  });

  it('cancels a delayed task before it runs, and retries it into a task that completes', async () => {
    const delayed = await iron.call<{ id: string }>('tasksCreate', 'hello', { name: 'later' }, { delay: 300 });
    const cancelled = await iron.call<{ msg: string }>('tasksCancel', delayed.id);
    expect(cancelled.msg).toBe('Cancelled');
    expect((await iron.call<IronTask>('tasksGet', delayed.id)).status).toBe('cancelled');

    const retried = await iron.call<{ msg: string; tasks: Array<{ id: string }> }>('tasksRetry', delayed.id, 0);
    expect(retried.msg).toBe('Queued up');
    const again = await iron.call<IronTask>('tasksWaitFor', retried.tasks[0]!.id, {});
    expect(again).toMatchObject({ status: 'complete', retry_of: delayed.id });
    expect(await iron.call<string>('tasksLog', again.id)).toContain('hello later');
  });

  it('records a failing worker as an error with its exit code, and lists tasks by status, code and label', async () => {
    const failing = await iron.call<{ id: string }>('tasksCreate', 'hello', { name: 'broken', fail: 3 }, { label: 'doomed' });
    const failed = await iron.call<IronTask>('tasksWaitFor', failing.id, {});
    expect(failed).toMatchObject({ status: 'error', error_class: 'Process Exit 3' });

    const ids = (tasks: IronTask[]): string[] => tasks.map((t) => t.id);
    const errors = await iron.call<IronTask[]>('tasksList', { code_name: 'hello', error: 1 });
    expect(ids(errors)).toEqual([failing.id]);
    const finished = await iron.call<IronTask[]>('tasksList', { code_name: 'hello', complete: 1, error: 1 });
    expect(ids(finished)).toContain(firstTask.id);
    expect(ids(finished)).toContain(failing.id);
    expect(finished.every((t) => t.status === 'complete' || t.status === 'error')).toBe(true);
    const labelled = await iron.call<IronTask[]>('tasksList', { code_name: 'hello', label: 'e2e' });
    expect(ids(labelled)).toEqual([firstTask.id]);
    const paged = await iron.call<IronTask[]>('tasksList', { code_name: 'hello', per_page: 1, page: 0 });
    expect(paged).toHaveLength(1);
    const since = Math.floor(Date.parse(firstTask.end_time!) / 1000) + 3600;
    expect(await iron.call<IronTask[]>('tasksList', { code_name: 'hello', from_time: since })).toEqual([]);
  });

  it('sets the progress of a waiting task', async () => {
    const waiting = await iron.call<{ id: string }>('tasksCreate', 'hello', { name: 'progress' }, { delay: 300 });
    const set = await iron.call<{ msg: string }>('tasksSetProgress', waiting.id, { percent: 40, msg: 'two of five' });
    expect(set.msg).toBe('Progress set');
    expect(await iron.call<IronTask>('tasksGet', waiting.id)).toMatchObject({ status: 'queued', percent: 40, msg: 'two of five' });
    await iron.call('tasksCancel', waiting.id);
  });

  it('schedules with run_every, run_times and start_at, fires a task, then shows, lists and cancels the schedule', async () => {
    const startAt = new Date(Math.ceil((Date.now() + 3000) / 1000) * 1000);
    const created = await iron.call<{ id: string }>('schedulesCreate', 'hello', { name: 'scheduled' }, {
      run_every: 60, run_times: 3, start_at: startAt.toISOString(), priority: 1, label: 'from-schedule',
    });
    expect(created.id).toMatch(/^[0-9a-f]{24}$/);

    let fired: IronTask | undefined;
    for (const deadline = Date.now() + 60_000; !fired && Date.now() < deadline;) {
      const tasks = await iron.call<IronTask[]>('tasksList', { code_name: 'hello', label: 'from-schedule' });
      fired = tasks.find((t) => t.schedule_id === created.id);
      if (!fired) await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    expect(fired, 'the schedule fired no task within a minute').toBeDefined();
    const done = await iron.call<IronTask>('tasksWaitFor', fired!.id, {});
    expect(done).toMatchObject({ status: 'complete', schedule_id: created.id, priority: 1 });
    expect(await iron.call<string>('tasksLog', done.id)).toContain('hello scheduled');

    const schedule = await iron.call<Record<string, unknown>>('schedulesGet', created.id);
    expect(schedule).toMatchObject({
      id: created.id, code_name: 'hello', status: 'scheduled', run_every: 60, run_times: 3, run_count: 1,
      start_at: startAt.toISOString(), next_start: new Date(startAt.getTime() + 60_000).toISOString(), payload: '{"name":"scheduled"}',
    });
    const listed = await iron.call<Array<{ id: string }>>('schedulesList', {});
    expect(listed.map((s) => s.id)).toContain(created.id);

    expect(await iron.call<{ msg: string }>('schedulesCancel', created.id)).toMatchObject({ msg: 'Cancelled' });
    expect(await iron.call<Record<string, unknown>>('schedulesGet', created.id)).toMatchObject({ status: 'cancelled' });
    expect((await iron.attempt('schedulesCreate', 'hello', {}, { run_every: 10 })).error).toMatch(/run_every/);
  });

  // The client's "now" reaches the server a few milliseconds in the past: the occurrence at start_at
  // must still fire at once, not a whole run_every later (docs/schedules.md, "Kinds of timing").
  it('fires a run_every schedule whose start_at is the client\'s now at once, through the client and through /v1', async () => {
    const iron1 = await iron.call<{ id: string }>('schedulesCreate', 'hello', { name: 'now' }, { run_every: 60, run_times: 1, start_at: new Date().toISOString() });
    const native = await fleet.client.schedules.create('hello', { every: 60, run_times: 1, start_at: new Date(), payload: '{"name":"now"}' });
    // Well under the 60 s the first firing used to wait.
    await waitFor('the IronWorker schedule to fire at its start_at', async () => {
      const schedule = await iron.call<{ run_count?: number }>('schedulesGet', iron1.id);
      return (schedule.run_count ?? 0) >= 1 ? true : undefined;
    }, 20_000, 500);
    await waitFor('the /v1 schedule to fire at its start_at', async () => ((await fleet.client.schedules.get(native.id)).run_count >= 1 ? true : undefined), 20_000, 500);
  });

  it('passes IronWorker errors back as the client\'s Error message', async () => {
    const missing = await iron.attempt('tasksGet', 'ffffffffffffffffffffffff');
    expect(missing.error).toMatch(/No task with id/);
    const unknownCode = await iron.attempt('tasksCreate', 'no-such-code', {}, {});
    expect(unknownCode.error).toMatch(/no-such-code/);
  });
});

describe('IronWorker routes the Node client has no method for, on the same fleet', () => {
  async function post(path: string, body: string, contentType = 'application/json'): Promise<any> {
    const response = await fetch(`${fleet.url}/2/projects/${fleet.projectId}${path}`, {
      method: 'POST', headers: { authorization: `OAuth ${fleet.token}`, 'content-type': contentType }, body,
    });
    expect(response.status).toBe(200);
    return response.json();
  }

  it('holds a paused package\'s tasks queued until its queue resumes', async () => {
    expect(await post('/codes/hello/pause_task_queue', '{}')).toMatchObject({ msg: 'Paused' });
    const held = await iron.call<{ id: string }>('tasksCreate', 'hello', { name: 'held' }, {});
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect((await iron.call<IronTask>('tasksGet', held.id)).status).toBe('queued');
    expect(await post('/codes/hello/resume_task_queue', '{}')).toMatchObject({ msg: 'Resumed' });
    expect(await iron.call<IronTask>('tasksWaitFor', held.id, {})).toMatchObject({ status: 'complete' });
  });

  it('runs a webhook\'s raw body as the payload, and counts the package\'s tasks', async () => {
    const hooked = await post('/tasks/webhook?code_name=hello', '{"name":"webhook"}', 'text/plain');
    expect(await iron.call<IronTask>('tasksWaitFor', hooked.id, {})).toMatchObject({ status: 'complete' });
    expect(await iron.call<string>('tasksLog', hooked.id)).toContain('hello webhook');
    const response = await fetch(`${fleet.url}/2/projects/${fleet.projectId}/codes/hello/stats?oauth=${encodeURIComponent(fleet.token)}`);
    const stats = await response.json() as Record<string, number>;
    expect(stats.complete).toBeGreaterThanOrEqual(5);
    expect(stats.error).toBe(1);
    expect(stats.running).toBe(0);
  });
});
