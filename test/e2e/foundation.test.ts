/**
 * The foundation, end to end, as a user drives it: the `dockhand` CLI against a real API, a real
 * worker, real Redis and real containers.
 */
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockhand } from '../helpers/cli.ts';
import { startFleet, type TestFleet } from '../helpers/fleet.ts';

const docker = new Docker();
let fleet: TestFleet;

async function containersOf(projectId: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`dockhand.project=${projectId}`] } });
}

async function upload(dir: string, name: string, extra: string[] = []): Promise<void> {
  const result = await dockhand(['code', 'upload', dir, '--name', name, ...extra], fleet.env);
  expect(result.stderr).toContain(`Uploaded ${name}`);
  expect(result.code).toBe(0);
}

beforeAll(async () => {
  fleet = await startFleet({ concurrency: 3 });
  await upload('examples/hello-node', 'hello', ['--stack', 'node-20']);
  await upload('test/fixtures/workers/exit-code', 'fails', ['--stack', 'shell']);
  await upload('test/fixtures/workers/sleeper', 'sleeper', ['--stack', 'shell']);
  await upload('test/fixtures/workers/balloon', 'balloon', ['--stack', 'shell', '--memory', '32']);
  await upload('test/fixtures/workers/chatty', 'chatty', ['--stack', 'shell']);
  await upload('test/fixtures/workers/crasher', 'crasher', ['--stack', 'shell']);
});

afterAll(async () => {
  await fleet?.stop();
});

describe('dockhand task queue --wait', () => {
  it('runs the example with its payload and prints its output and result', async () => {
    const result = await dockhand(['task', 'queue', 'hello', '--payload', '{"name":"you"}', '--wait'], fleet.env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Hello, you!');
    expect(result.stdout).toMatch(/result: .*greeting/);
    expect(result.stderr).toMatch(/complete in/);
  });

  it('records a non-zero exit as error with error_class "Process Exit 3" and exits 10', async () => {
    const result = await dockhand(['--json', 'task', 'queue', 'fails', '--wait'], fleet.env);
    expect(result.code).toBe(10);
    const task = JSON.parse(result.stdout);
    expect(task).toMatchObject({ status: 'error', exit_code: 3, error_class: 'Process Exit 3' });
    const log = await dockhand(['task', 'logs', task.id], fleet.env);
    expect(log.stdout).toContain('about to fail');
    expect(log.stdout).toContain('with a message on stderr');
  });

  it('kills a task at its timeout, records timeout and keeps the log so far', async () => {
    const result = await dockhand(['--json', 'task', 'queue', 'sleeper', '--timeout', '2', '--wait'], fleet.env);
    expect(result.code).toBe(11);
    const task = JSON.parse(result.stdout);
    expect(task.status).toBe('timeout');
    expect(task.duration).toBeGreaterThanOrEqual(1900);
    const log = await dockhand(['task', 'logs', task.id], fleet.env);
    expect(log.stdout).toContain('started');
    expect(log.stdout).not.toContain('never printed');
    expect(log.stdout).toContain('timeout');
  });

  it('records an out-of-memory kill as error with a message naming the memory limit', async () => {
    const result = await dockhand(['--json', 'task', 'queue', 'balloon', '--wait'], fleet.env);
    expect(result.code).toBe(10);
    const task = JSON.parse(result.stdout);
    expect(task.status).toBe('error');
    expect(task.msg).toMatch(/memory/i);
    expect(task.msg).toMatch(/32 ?M/);
  });

  it('keeps stdout and stderr in order and returns the result file', async () => {
    const result = await dockhand(['--json', 'task', 'queue', 'chatty', '--wait'], fleet.env);
    expect(result.code).toBe(0);
    const task = JSON.parse(result.stdout);
    expect(task.result).toEqual({ lines: 5 });
    const log = await fleet.client.tasks.log(task.id);
    expect(log.split('\n').filter(Boolean)).toEqual(['out 0', 'err 0', 'out 1', 'err 1', 'out 2', 'err 2', 'out 3', 'err 3', 'out 4', 'err 4']);
  });
});

describe('a crashing task', () => {
  it('records a process killed by a signal as error with its exit status', async () => {
    const result = await dockhand(['--json', 'task', 'queue', 'crasher', '--wait'], fleet.env);
    expect(result.code).toBe(10);
    const task = JSON.parse(result.stdout);
    expect(task).toMatchObject({ status: 'error', exit_code: 139, error_class: 'Process Exit 139' });
  });
});

describe('dockhand code', () => {
  it('lists, shows, numbers revisions, downloads and deletes packages', async () => {
    await upload('test/fixtures/workers/chatty', 'revisioned', ['--stack', 'shell']);
    await upload('test/fixtures/workers/exit-code', 'revisioned', ['--stack', 'shell', '--env', 'GREETING=hi']);
    const list = JSON.parse((await dockhand(['--json', 'code', 'list'], fleet.env)).stdout) as { name: string }[];
    expect(list.map((c) => c.name)).toContain('revisioned');
    const shown = JSON.parse((await dockhand(['--json', 'code', 'show', 'revisioned'], fleet.env)).stdout);
    expect(shown).toMatchObject({ name: 'revisioned', rev: 2, stack: 'shell', env_vars: { GREETING: 'hi' } });
    const revisions = JSON.parse((await dockhand(['--json', 'code', 'revisions', 'revisioned'], fleet.env)).stdout) as { rev: number }[];
    expect(revisions.map((r) => r.rev)).toEqual([2, 1]);
    const out = `${fleet.dataDir}/r1.tar.gz`;
    const download = await dockhand(['--json', 'code', 'download', 'revisioned', '--revision', '1', '-o', out], fleet.env);
    expect(download.code).toBe(0);
    const { execFileSync } = await import('node:child_process');
    expect(execFileSync('tar', ['-tzf', out], { encoding: 'utf8' })).toContain('main.sh');
    const deleted = await dockhand(['code', 'delete', 'revisioned'], fleet.env);
    expect(deleted.code).toBe(0);
    const gone = await dockhand(['code', 'show', 'revisioned'], fleet.env);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/No code package named "revisioned"/);
  });
});

describe('cancel', () => {
  it('cancels a queued task before it runs', async () => {
    const queued = await dockhand(['--json', 'task', 'queue', 'hello', '--delay', '60'], fleet.env);
    const task = JSON.parse(queued.stdout);
    const cancelled = await dockhand(['--json', 'task', 'cancel', task.id], fleet.env);
    expect(cancelled.code).toBe(0);
    expect(JSON.parse(cancelled.stdout).status).toBe('cancelled');
    const again = await dockhand(['task', 'cancel', task.id], fleet.env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already finished/);
  });

  it('kills a running task and leaves no container', async () => {
    const task = await fleet.client.tasks.queue('sleeper', {});
    for (let i = 0; i < 100; i++) {
      const current = await fleet.client.tasks.get(task.id);
      if (current.status === 'running') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const log = fleet.client.tasks.logs(task.id, { follow: true })[Symbol.asyncIterator]();
    expect((await log.next()).value?.data).toContain('started');
    await dockhand(['task', 'cancel', task.id], fleet.env);
    const done = await fleet.client.tasks.wait(task.id, { timeoutMs: 10_000 });
    expect(done.status).toBe('cancelled');
    for (let i = 0; i < 50 && (await containersOf(fleet.projectId)).some((c) => c.Labels['dockhand.task'] === task.id); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await containersOf(fleet.projectId)).filter((c) => c.Labels['dockhand.task'] === task.id)).toEqual([]);
  });
});

describe('reading tasks and bad input', () => {
  it('lists and shows tasks as JSON', async () => {
    const list = await dockhand(['--json', 'task', 'list', '--status', 'complete'], fleet.env);
    const tasks = JSON.parse(list.stdout);
    expect(tasks.length).toBeGreaterThan(0);
    expect(tasks.every((t: { status: string }) => t.status === 'complete')).toBe(true);
    const show = await dockhand(['--json', 'task', 'show', tasks[0].id], fleet.env);
    expect(JSON.parse(show.stdout)).toMatchObject({ id: tasks[0].id, project_id: fleet.projectId });
  });

  it('refuses an unknown code package, a bad priority and an unknown stack with sentences that say what to fix', async () => {
    const missing = await dockhand(['task', 'queue', 'nope'], fleet.env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/No code package named "nope".*upload/);
    const priority = await dockhand(['task', 'queue', 'hello', '--priority', '7'], fleet.env);
    expect(priority.code).toBe(1);
    expect(priority.stderr).toMatch(/priority/);
    const stack = await dockhand(['code', 'upload', 'examples/hello-node', '--name', 'x', '--stack', 'cobol-85'], fleet.env);
    expect(stack.code).toBe(1);
    expect(stack.stderr).toMatch(/cobol-85/);
  });

  it('answers 401 with what is missing when there is no token', async () => {
    const response = await fetch(`${fleet.url}/v1/tasks`);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/Authorization: Bearer/);
  });

  it('leaves no task container behind', async () => {
    expect(await containersOf(fleet.projectId)).toEqual([]);
  });
});
