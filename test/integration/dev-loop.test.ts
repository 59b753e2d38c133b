/**
 * `dockhand dev` against a real fleet, as a child process over HTTP only: a save uploads and runs the
 * newest code, a save during a run cancels it, a failing build is shown and the watch goes on, and
 * Ctrl-C (SIGINT) leaves no task running and the earlier code current (or no package, if dev made it).
 * Once more against a second server on its own port and data dir, standing in for a remote fleet, with
 * the CLI given nothing but its URL and token.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DevEvent } from '../../src/cli/dev/dev-events.ts';
import { DockhandApiError } from '../../src/sdk/index.ts';
import { startDev, type DevProcess } from '../helpers/dev-process.ts';
import { startFleet, type TestFleet } from '../helpers/fleet.ts';

type Finished = Extract<DevEvent, { event: 'finished' }>;
const isFinished = (e: DevEvent): e is Finished => e.event === 'finished';

/** A node task that prints `line`, optionally sleeps, and returns `{ version }`. */
function program(version: number, options: { sleepSeconds?: number } = {}): string {
  return `const fs = require('node:fs');
console.log('version ${version} started');
setTimeout(() => {
  fs.writeFileSync(process.env.RESULT_FILE, JSON.stringify({ version: ${version}, payload: fs.readFileSync(process.env.PAYLOAD_FILE, 'utf8') }));
}, ${(options.sleepSeconds ?? 0) * 1000});
`;
}

let fleet: TestFleet;
let dir: string;
let dev: DevProcess | undefined;

beforeAll(async () => {
  fleet = await startFleet();
});

afterAll(async () => {
  await fleet?.stop();
});

afterEach(async () => {
  if (dev) await dev.interrupt();
  dev = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function codeDir(files: Record<string, string>): Promise<string> {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-dev-'));
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content);
  return dir;
}

async function saveRunsTheNewestCode(target: TestFleet, env: Record<string, string>): Promise<void> {
  await codeDir({ 'index.js': program(1) });
  dev = startDev([dir, '--name', 'dev-hello', '--stack', 'node-20', '--payload', '{"n":1}'], env);
  const first = await dev.next(isFinished);
  expect(first.task).toMatchObject({ status: 'complete', result: { version: 1, payload: '{"n":1}' } });
  expect(first.spans.map((s) => s.name)).toContain('run');

  await writeFile(path.join(dir, 'index.js'), program(2));
  await dev.next((e) => e.event === 'change');
  const second = await dev.next(isFinished);
  expect(second.task).toMatchObject({ status: 'complete', result: { version: 2 } });
  expect(second.first_output_ms).toBeGreaterThan(0);
  expect((await target.client.codes.get('dev-hello')).rev).toBe(2);

  // Ctrl-C: the package did not exist before dev, so it is gone afterwards.
  const { code } = await dev.interrupt();
  dev = undefined;
  expect(code).toBe(0);
  const err = await target.client.codes.get('dev-hello').then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(DockhandApiError);
  expect((err as DockhandApiError).status).toBe(404);
}

describe('dockhand dev', () => {
  it('uploads and runs the newest code on each save, and removes the package it created on Ctrl-C', async () => {
    await saveRunsTheNewestCode(fleet, fleet.env);
  });

  it('cancels a run a newer save overtakes, runs the newest, and restores the earlier revision on Ctrl-C', async () => {
    const before = await fleet.client.codes.upload(await codeDir({ 'index.js': program(0) }), { name: 'dev-slow', stack: 'node-20' });
    await writeFile(path.join(dir, 'index.js'), program(1, { sleepSeconds: 60 }));
    dev = startDev([dir, '--name', 'dev-slow', '--stack', 'node-20'], fleet.env);
    expect(await dev.next((e) => e.event === 'watching')).toMatchObject({ previous_rev: before.rev });
    const queued = await dev.next((e): e is Extract<DevEvent, { event: 'queued' }> => e.event === 'queued');
    await dev.next((e) => e.event === 'log' && e.data.includes('version 1 started'));

    await writeFile(path.join(dir, 'index.js'), program(2));
    expect(await dev.next((e) => e.event === 'cancelling')).toMatchObject({ task_id: queued.task_id });
    expect((await dev.next(isFinished)).task).toMatchObject({ id: queued.task_id, status: 'cancelled' });
    expect((await dev.next(isFinished)).task).toMatchObject({ status: 'complete', result: { version: 2 } });

    const { code } = await dev.interrupt();
    dev = undefined;
    expect(code).toBe(0);
    const current = await fleet.client.codes.get('dev-slow');
    expect(current.rev).toBeGreaterThan(before.rev);
    expect(current.archive_sha256).toBe(before.archive_sha256);
  });

  it('shows a failing build and keeps watching', async () => {
    dev = startDev([await codeDir({ 'index.js': program(1), 'package.json': '{ not json' }), '--name', 'dev-broken', '--stack', 'node-20'], fleet.env);
    expect(await dev.next((e) => e.event === 'error')).toMatchObject({ code: 'DH_ERR_CODE_BUILD_FAILED' });
    await rm(path.join(dir, 'package.json'));
    expect((await dev.next(isFinished)).task).toMatchObject({ status: 'complete', result: { version: 1 } });
  });

  it('on Ctrl-C during a run cancels the task and exits 0', async () => {
    dev = startDev([await codeDir({ 'index.js': program(1, { sleepSeconds: 60 }) }), '--name', 'dev-interrupted', '--stack', 'node-20'], fleet.env);
    const queued = await dev.next((e): e is Extract<DevEvent, { event: 'queued' }> => e.event === 'queued');
    await dev.next((e) => e.event === 'log' && e.data.includes('started'));
    const { code } = await dev.interrupt();
    dev = undefined;
    expect(code).toBe(0);
    expect((await fleet.client.tasks.get(queued.task_id)).status).toBe('cancelled');
  });
});

describe('dockhand dev against another server', () => {
  let remote: TestFleet;
  let emptyDataDir: string;

  beforeAll(async () => {
    remote = await startFleet();
    emptyDataDir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-no-credentials-'));
  });

  afterAll(async () => {
    await remote?.stop();
    await rm(emptyDataDir, { recursive: true, force: true });
  });

  it('works with nothing but its URL and token', async () => {
    expect(remote.url).not.toBe(fleet.url);
    expect(remote.dataDir).not.toBe(fleet.dataDir);
    await saveRunsTheNewestCode(remote, { DOCKHAND_URL: remote.url, DOCKHAND_TOKEN: remote.token, DOCKHAND_DATA_DIR: emptyDataDir });
  });
});
