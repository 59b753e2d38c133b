/**
 * `dockhand deploy swarm` on a single-node Swarm of this machine's engine (advertised on 127.0.0.1):
 * it builds and pushes what is missing, deploys the stack, waits until it serves and writes
 * credentials.json, with which a code upload and a task work at once; a rolling update of the
 * servers and then the workers (`docker service update --image ... --force`) while tasks run and are
 * queued loses none of them; `--down --volumes` removes it. The Swarm is left afterwards, the pushed
 * tags removed, so the engine is as it was.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dockhand } from '../../src/sdk/index.ts';
import { dockhand } from '../helpers/cli.ts';
import { docker } from '../helpers/docker.ts';
import { uploadScript } from '../helpers/security.ts';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import type { Task } from '../../src/core/model.ts';
import { linesInLogs, sampleRunning } from '../helpers/fleet-scenario.ts';
import { eventually } from '../helpers/worker-process.ts';

const NAME = `dhswarm${Math.floor(Math.random() * 1e6)}`;
const PORT = 18_080 + Math.floor(Math.random() * 500);
const REGISTRY_PORT = PORT + 1000;
let dataDir: string;
let joinedSwarm = false;
let client: Dockhand | undefined;
const run = promisify(execFile);

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-swarm-'));
  const info = (await docker().info()) as { Swarm?: { LocalNodeState?: string } };
  if (info.Swarm?.LocalNodeState !== 'inactive') throw new Error(`the engine is already in a Swarm (${info.Swarm?.LocalNodeState}); this test makes and leaves its own`);
  execFileSync('docker', ['swarm', 'init', '--advertise-addr', '127.0.0.1'], { stdio: 'ignore' });
  joinedSwarm = true;
}, 60_000);

afterAll(async () => {
  if (joinedSwarm) {
    const down = await dockhand(['deploy', 'swarm', '--down', '--volumes', '--name', NAME], { DOCKHAND_DATA_DIR: dataDir }, 180_000);
    if (down.code !== 0) process.stderr.write(down.stderr);
    execFileSync('docker', ['swarm', 'leave', '--force'], { stdio: 'ignore' });
  }
  // Only the registry's names of the images go; the images themselves stay as they were.
  for (const image of await docker().listImages()) {
    for (const tag of image.RepoTags ?? []) {
      if (tag.startsWith(`127.0.0.1:${REGISTRY_PORT}/`)) await docker().getImage(tag).remove({ noprune: true }).catch(() => undefined);
    }
  }
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 240_000);

describe('dockhand deploy swarm on a single-node Swarm', () => {
  it('deploys, serves with the credentials it wrote, and completes a task', async () => {
    const started = Date.now();
    const deployed = await dockhand(
      ['deploy', 'swarm', '--name', NAME, '--port', String(PORT), '--registry-port', String(REGISTRY_PORT), '--replicas', '2', '--stacks', 'shell', '--json'],
      { DOCKHAND_DATA_DIR: dataDir },
      900_000,
    );
    if (deployed.code !== 0) throw new Error(`deploy swarm failed:\n${deployed.stderr}`);
    const result = JSON.parse(deployed.stdout) as { url: string; project_id: string; seconds: number; images: Record<string, string> };
    expect(result.url).toBe(`http://127.0.0.1:${PORT}`);
    expect(result.images['shell']).toMatch(/^dockhand\/stack-shell:[0-9a-f]{12}$/);

    const credentials = JSON.parse(await readFile(path.join(dataDir, 'credentials.json'), 'utf8')) as { url: string; token: string; project_id: string };
    expect(credentials).toMatchObject({ url: result.url, project_id: result.project_id });
    client = new Dockhand({ url: credentials.url, token: credentials.token });

    const services = execFileSync('docker', ['service', 'ls', '--filter', `label=com.docker.stack.namespace=${NAME}`, '--format', '{{.Name}} {{.Mode}} {{.Replicas}}'], { encoding: 'utf8' });
    expect(services).toMatch(new RegExp(`${NAME}_server replicated 2/2`));
    expect(services).toMatch(new RegExp(`${NAME}_worker global 1/1`));

    await uploadScript(client, 'swarm-hello', 'echo "hello from the swarm"; printf \'{"ok": true}\' > "$RESULT_FILE"', { timeout: 60 });
    const task = await client.tasks.queue('swarm-hello', {});
    const done = await client.tasks.wait(task.id, { timeoutMs: 180_000 });
    expect(done.status).toBe('complete');
    expect(done.result).toEqual({ ok: true });
    expect(await client.tasks.log(task.id)).toContain('hello from the swarm');
    process.stderr.write(`deploy swarm: ${result.seconds.toFixed(1)} s to serving, ${((Date.now() - started) / 1000).toFixed(1)} s to the first task complete\n`);
  }, 1_200_000);

  it('loses no task through a rolling update of the servers and then the workers', async () => {
    if (!client) throw new Error('the deploy case did not get as far as a client');
    const api = client;
    await uploadScript(api, 'swarm-steady', 'echo "start"; sleep 4; echo "end"', { timeout: 120 });
    const sampler = sampleRunning([docker()], { 'dockhand.code': 'swarm-steady' });
    const acknowledged: Task[] = [...(await api.tasks.queueMany(Array.from({ length: 6 }, () => ({ code_name: 'swarm-steady' }))))];
    await eventually('a task running before the update', async () => ((await api.tasks.get(acknowledged[0]!.id)).status === 'running' ? true : undefined), 120_000, 200);

    // A client queueing throughout, retrying what fails as a user's would; only what the API
    // acknowledged counts, since a request cut mid-way may or may not have queued its task.
    let updating = true;
    let refused = 0;
    const queueing = (async () => {
      while (updating) {
        try {
          acknowledged.push(await api.tasks.queue('swarm-steady', {}));
        } catch {
          refused += 1;
        }
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    })();
    const started = Date.now();
    for (const service of [`${NAME}_server`, `${NAME}_worker`]) {
      const { stdout: image } = await run('docker', ['service', 'inspect', service, '--format', '{{.Spec.TaskTemplate.ContainerSpec.Image}}']);
      await run('docker', ['service', 'update', '--quiet', '--detach=false', '--force', '--image', image.trim(), service], { timeout: 300_000 });
      // A rolled-back update would leave the old tasks running and prove nothing.
      const { stdout: state } = await run('docker', ['service', 'inspect', service, '--format', '{{.UpdateStatus.State}}']);
      expect(state.trim(), `the update of ${service}`).toBe('completed');
    }
    updating = false;
    await queueing;
    const updateSeconds = (Date.now() - started) / 1000;

    const done = await Promise.all(acknowledged.map((t) => api.tasks.wait(t.id, { timeoutMs: 300_000 })));
    const samples = await sampler.stop();
    process.stderr.write(`rolling update: ${updateSeconds.toFixed(1)} s for servers and workers, ${acknowledged.length} tasks acknowledged, ${refused} queue requests refused meanwhile\n`);
    for (const t of done) expect(t.status).toBe('complete');
    // Exactly once: never two containers of one task at a time, and each log ends once.
    expect(samples.maxPerTask).toBeLessThanOrEqual(1);
    expect(await linesInLogs(api, done, 'end')).toEqual(done.map(() => 1));
  }, 900_000);
});
