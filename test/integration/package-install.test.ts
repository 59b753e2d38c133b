/**
 * The npm package works for a plain Node project: `npm pack`, `npm install` of the tarball into an empty
 * project, then the SDK imported from an ES module and required from CommonJS (no TypeScript loader)
 * queues a task on the test fleet and reads its result, `npx dockhand --version` runs the compiled
 * CLI, and a small TypeScript consumer type-checks against the shipped declarations. Run under Node 24
 * as well by CI (.ci/run), where the fleet in this process runs on Node 24 too.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.ts';
import { startFleet, type TestFleet } from '../helpers/fleet.ts';
import { installPackedPackage, type InstalledProject } from '../helpers/packed-package.ts';

let fleet: TestFleet;
let project: InstalledProject;
const VERSION = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

beforeAll(async () => {
  [fleet, project] = await Promise.all([startFleet(), installPackedPackage()]);
  await fleet.client.codes.upload(path.join(REPO_ROOT, 'examples/hello-node'), { name: 'hello', stack: 'node-20' });
}, 600_000);

afterAll(async () => {
  await fleet?.stop();
  await project?.remove();
});

describe('the packed package in a plain Node project', () => {
  it('imports the SDK from an ES module, queues a task and reads its result', async () => {
    await project.write('queue.mjs', `
      import { Dockhand } from 'dockhand';
      const dh = new Dockhand({ url: process.env.DOCKHAND_URL, token: process.env.DOCKHAND_TOKEN });
      const task = await dh.tasks.queue('hello', { payload: { name: 'esm' } });
      const done = await dh.tasks.wait(task.id, { timeoutMs: 60000 });
      await dh.flush();
      console.log(JSON.stringify({ status: done.status, result: done.result }));
    `);
    const run = await project.run(process.execPath, ['queue.mjs'], fleet.env);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ status: 'complete', result: { greeting: 'Hello, esm!' } });
  });

  it('requires the SDK from CommonJS', async () => {
    await project.write('queue.cjs', `
      const { Dockhand, DockhandApiError } = require('dockhand');
      const dh = new Dockhand({ url: process.env.DOCKHAND_URL, token: process.env.DOCKHAND_TOKEN, tracing: false });
      dh.tasks.queue('hello', { payload: { name: 'cjs' } })
        .then((task) => dh.tasks.wait(task.id, { timeoutMs: 60000 }))
        .then((done) => console.log(JSON.stringify({ status: done.status, result: done.result, errorClass: typeof DockhandApiError })));
    `);
    const run = await project.run(process.execPath, ['queue.cjs'], fleet.env);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ status: 'complete', result: { greeting: 'Hello, cjs!' }, errorClass: 'function' });
  });

  it('runs the compiled CLI with npx', async () => {
    const run = await project.run('npx', ['--no-install', 'dockhand', '--version']);
    expect(run).toMatchObject({ code: 0, stdout: `${VERSION}\n` });
    const list = await project.run('npx', ['--no-install', 'dockhand', 'code', 'list', '--json'], fleet.env);
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as Array<{ name: string }>).map((c) => c.name)).toContain('hello');
  });

  it('type-checks a TypeScript consumer against the shipped declarations', async () => {
    await project.write('consumer.ts', `
      import { Dockhand, DockhandApiError, type Task } from 'dockhand';
      const dh = new Dockhand({ url: 'http://127.0.0.1:8080', token: 't' });
      export async function run(): Promise<Task> {
        const task: Task = await dh.tasks.queue('hello', { payload: { name: 'ts' }, priority: 2 });
        // @ts-expect-error: priorities are 0, 1 or 2
        await dh.tasks.queue('hello', { priority: 3 });
        return dh.tasks.wait(task.id);
      }
      export const isApiError = (err: unknown): boolean => err instanceof DockhandApiError && err.code.startsWith('DH_ERR_');
    `);
    await project.write('tsconfig.json', JSON.stringify({
      compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, types: ['node'], typeRoots: [path.join(REPO_ROOT, 'node_modules/@types')] },
      files: ['consumer.ts'],
    }));
    const tsc = await project.run(process.execPath, [path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json']);
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.code).toBe(0);
  });
});
