/**
 * Task progress (`percent`, `msg`) both ways a task can report it: the `##dockhand progress` line on
 * its output (no network needed) and `POST /v1/tasks/{id}/progress`; shown by `task show` and drawn
 * as a bar by `task queue --wait`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockhandApiError } from '../../src/sdk/index.ts';
import { dockhand } from '../helpers/cli.ts';
import { startFleet, type TestFleet } from '../helpers/fleet.ts';

let fleet: TestFleet;

beforeAll(async () => {
  fleet = await startFleet();
  await fleet.client.codes.upload('test/fixtures/workers/ticker', { name: 'ticker', stack: 'shell' });
  await fleet.client.codes.upload('test/fixtures/workers/sleeper', { name: 'sleeper', stack: 'shell' });
});

afterAll(async () => {
  await fleet?.stop();
});

describe('progress lines in a task\'s output', () => {
  it('draw a bar under `task queue --wait`, stay out of the log, and end up on the task', async () => {
    const run = await dockhand(['task', 'queue', 'ticker', '--wait'], fleet.env);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/progress \[#{15}-{15}\] {2}50% halfway/);
    expect(run.stderr).toMatch(/progress \[#{30}\] 100% done/);
    expect(run.stdout).toContain('tick 1');
    expect(run.stdout + run.stderr).not.toContain('##dockhand');
    const id = /Queued task ([0-9a-f]{24})/.exec(run.stderr)![1]!;

    const shown = await dockhand(['task', 'show', id], fleet.env);
    expect(shown.stdout).toMatch(/^percent +100$/m);
    expect(shown.stdout).toMatch(/^msg +done$/m);
    expect(shown.stdout).toMatch(/^progress +\[#{30}\] 100% done$/m);
    const json = JSON.parse((await dockhand(['--json', 'task', 'show', id], fleet.env)).stdout);
    expect(json).toMatchObject({ percent: 100, msg: 'done', status: 'complete' });
    expect(await fleet.client.tasks.log(id)).not.toContain('##dockhand');
  });
});

describe('POST /v1/tasks/{id}/progress', () => {
  it('records progress on a running task, refuses bad input, and refuses a finished task', async () => {
    const task = await fleet.client.tasks.queue('sleeper');
    for (let i = 0; i < 600 && (await fleet.client.tasks.get(task.id)).status !== 'running'; i++) await new Promise((r) => setTimeout(r, 100));
    const updated = await fleet.client.tasks.progress(task.id, 30, 'from outside');
    expect(updated).toMatchObject({ id: task.id, percent: 30, msg: 'from outside', status: 'running' });
    expect(await fleet.client.tasks.get(task.id)).toMatchObject({ percent: 30, msg: 'from outside' });

    const bad = await fleet.client.tasks.progress(task.id, 140).catch((err: unknown) => err);
    expect(bad).toBeInstanceOf(DockhandApiError);
    expect(bad).toMatchObject({ status: 400, code: 'DH_ERR_VALIDATION' });

    await fleet.client.tasks.cancel(task.id);
    const late = await fleet.client.tasks.progress(task.id, 90).catch((err: unknown) => err);
    expect(late).toMatchObject({ status: 409, code: 'DH_ERR_TASK_FINISHED' });
  });
});
