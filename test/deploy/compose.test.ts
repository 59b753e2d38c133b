/**
 * The one-host form, deploy/compose.yaml, run by Debian's `docker-compose` exactly as its header says:
 * the images from `dockhand deploy build`, the two token files as Docker secrets, `up -d`, then a code
 * upload and a task through the published port with the project token; `down -v` leaves nothing.
 * The compose file is copied beside a secrets directory of the test's own, so the checkout's
 * deploy/secrets is never written.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dockhand } from '../../src/sdk/index.ts';
import { dockhand, REPO_ROOT } from '../helpers/cli.ts';
import { docker } from '../helpers/docker.ts';
import { uploadScript } from '../helpers/security.ts';
import { eventually } from '../helpers/worker-process.ts';

const run = promisify(execFile);
const PROJECT = `dhcompose${randomBytes(3).toString('hex')}`;
const PORT = 19_080 + Math.floor(Math.random() * 500);
const token = randomBytes(24).toString('hex');
let dir: string;
let started = false;

async function compose(args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run('docker-compose', ['-p', PROJECT, '-f', path.join(dir, 'compose.yaml'), ...args], {
    env: { ...process.env, DOCKHAND_PORT: String(PORT), ...env },
    timeout: 300_000,
  });
  return stdout;
}

beforeAll(async () => {
  await run('docker-compose', ['version']).catch(() => {
    throw new Error('docker-compose is not installed: `apt-get install docker-compose` (Debian) runs deploy/compose.yaml');
  });
  const build = await dockhand(['deploy', 'build', '--stacks', 'shell'], {}, 900_000);
  if (build.code !== 0) throw new Error(`deploy build failed:\n${build.stderr}`);
  dir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-compose-'));
  await copyFile(path.join(REPO_ROOT, 'deploy/compose.yaml'), path.join(dir, 'compose.yaml'));
  await mkdir(path.join(dir, 'secrets'), { mode: 0o700 });
  await writeFile(path.join(dir, 'secrets/project_token'), `${token}\n`, { mode: 0o644 });
  await writeFile(path.join(dir, 'secrets/admin_token'), `${randomBytes(24).toString('hex')}\n`, { mode: 0o644 });
  started = true;
  await compose(['up', '-d']);
}, 1_200_000);

afterAll(async () => {
  if (started) await compose(['down', '-v', '--timeout', '60']).catch((err: Error) => process.stderr.write(`${err.message}\n`));
  if (dir) await rm(dir, { recursive: true, force: true });
}, 180_000);

describe('deploy/compose.yaml with docker-compose', () => {
  it('serves the API on its port, runs a task on the host engine, and comes down leaving nothing', async () => {
    const client = new Dockhand({ url: `http://127.0.0.1:${PORT}`, token });
    const nodes = await eventually('the worker registered', async () => {
      // Until the API listens, the engine's port proxy may hold a connection open with no answer.
      const health = await fetch(`http://127.0.0.1:${PORT}/health`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
      if (!health?.ok) return undefined;
      const list = await client.nodes.list();
      return list.some((n) => n.state === 'running') ? list : undefined;
    }, 180_000, 1000);
    const worker = nodes.find((n) => n.state === 'running')!;
    expect(worker.stacks).toContain('shell');

    await uploadScript(client, 'composed', 'echo "hello from compose"; printf \'{"ok": true}\' > "$RESULT_FILE"', { timeout: 60 });
    const task = await client.tasks.queue('composed', {});
    const done = await client.tasks.wait(task.id, { timeoutMs: 120_000 });
    expect(done.status).toBe('complete');
    expect(done.result).toEqual({ ok: true });
    expect(await client.tasks.log(task.id)).toContain('hello from compose');

    await compose(['down', '-v', '--timeout', '60']);
    started = false;
    const left = await docker().listContainers({ all: true, filters: { label: [`com.docker.compose.project=${PROJECT}`] } });
    expect(left).toEqual([]);
    // Its task containers and its watchdog went with it.
    expect(await docker().listContainers({ all: true, filters: { label: [`dockhand.node=${worker.id}`] } })).toEqual([]);
    expect(await docker().listContainers({ all: true, filters: { name: [`dockhand-watchdog-${worker.id}`] } })).toEqual([]);
  }, 600_000);
});
