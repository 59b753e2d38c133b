/**
 * Code packages that run any Docker image present on the worker (`code upload --image IMG --command
 * CMD`): the task contract (code, payload, result, env) and the isolation defaults hold as on a stack,
 * the image's own environment and working directory are kept, and an image Dockhand cannot hand a task
 * to fails the task with a clear message.
 */
import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import { pack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockhand } from '../helpers/cli.ts';
import { startFleet, type TestFleet } from '../helpers/fleet.ts';

const docker = new Docker();
const tag = `dhtest-custom-${randomBytes(4).toString('hex')}`;
const WORKER_IMAGE = `${tag}:worker`;
const NO_SHELL_IMAGE = `${tag}:no-shell`;
const NO_TAR_IMAGE = `${tag}:no-tar`;
let fleet: TestFleet;

const APP = `#!/bin/sh
# Reads the payload, shows where it runs and as whom, and returns a result.
name=$(sed -n 's/.*"name" *: *"\\([^"]*\\)".*/\\1/p' "$PAYLOAD_FILE")
echo "$GREETING, $name! cwd=$(pwd) uid=$(id -u) code=$(cat "$TASK_DIR/message.txt")"
if touch /app/written 2>/dev/null; then echo "root=writable"; else echo "root=read-only"; fi
echo "interfaces=$(ls /sys/class/net | tr '\\n' ' ')"
printf '{"from": "custom image", "name": "%s"}' "$name" > "$RESULT_FILE"
`;

/** Builds an image from a Dockerfile and files, offline (no network during RUN steps). */
async function buildImage(ref: string, dockerfile: string, files: Record<string, string> = {}): Promise<void> {
  const context = pack();
  context.entry({ name: 'Dockerfile' }, dockerfile);
  for (const [name, content] of Object.entries(files)) context.entry({ name, mode: 0o755 }, content);
  context.finalize();
  const stream = await docker.buildImage(context as unknown as NodeJS.ReadableStream, { t: ref, networkmode: 'none', rm: true, forcerm: true });
  const output = await new Promise<Array<{ error?: string }>>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, events: Array<{ error?: string }>) => (err ? reject(err) : resolve(events)));
  });
  const failed = output.find((event) => event.error);
  if (failed) throw new Error(`building ${ref} failed: ${failed.error}`);
}

async function run(codeName: string, payload: unknown = {}): Promise<{ status: string; log: string; result: unknown; msg?: string }> {
  const task = await fleet.client.tasks.queue(codeName, { payload });
  const done = await fleet.client.tasks.wait(task.id, { timeoutMs: 120_000 });
  return { status: done.status, log: await fleet.client.tasks.log(task.id), result: done.result, ...(done.msg ? { msg: done.msg } : {}) };
}

beforeAll(async () => {
  await buildImage(WORKER_IMAGE, 'FROM debian:trixie-slim\nENV GREETING=Hola\nWORKDIR /app\nCOPY app.sh /app/app.sh\n', { 'app.sh': APP });
  await buildImage(NO_SHELL_IMAGE, 'FROM scratch\nCOPY hello.txt /hello.txt\nCMD ["/hello"]\n', { 'hello.txt': 'no shell here\n' });
  await buildImage(NO_TAR_IMAGE, 'FROM debian:trixie-slim\nRUN rm /usr/bin/tar\n');
  fleet = await startFleet();
});

afterAll(async () => {
  await fleet?.stop();
  for (const ref of [WORKER_IMAGE, NO_SHELL_IMAGE, NO_TAR_IMAGE]) {
    const image = await docker.getImage(ref).inspect().catch(() => undefined);
    if (!image) continue;
    const derived = await docker.listImages({ filters: JSON.stringify({ label: [`dockhand.source=${image.Id}`] }) });
    for (const d of derived) await docker.getImage(d.Id).remove({ force: true }).catch(() => undefined);
    await docker.getImage(image.Id).remove({ force: true }).catch(() => undefined);
  }
});

describe('code packages on a custom image', () => {
  it('runs the command in the image with the task contract, its env and workdir, locked down like any task', async () => {
    const upload = await dockhand(['code', 'upload', 'test/fixtures/custom-image', '--name', 'custom', '--image', WORKER_IMAGE, '--command', 'sh app.sh'], fleet.env);
    expect(upload.code).toBe(0);
    const result = await run('custom', { name: 'Dockhand' });
    expect(result.status).toBe('complete');
    expect(result.log).toContain('Hola, Dockhand! cwd=/app uid=1000 code=shipped with the package');
    expect(result.log).toContain('root=read-only');
    expect(result.log).toMatch(/interfaces=lo\s*$/m);
    expect(result.result).toEqual({ from: 'custom image', name: 'Dockhand' });
  });

  it('derives the task image once per image id and reuses it', async () => {
    await fleet.client.codes.upload(undefined, { name: 'custom-again', image: WORKER_IMAGE, command: 'sh app.sh' });
    const first = await run('custom-again');
    const second = await run('custom-again');
    expect([first.status, second.status]).toEqual(['complete', 'complete']);
    const source = await docker.getImage(WORKER_IMAGE).inspect();
    const derived = await docker.listImages({ filters: JSON.stringify({ label: [`dockhand.source=${source.Id}`] }) });
    expect(derived).toHaveLength(1);
    expect(derived[0]?.RepoTags?.[0]).toMatch(/^dockhand\/custom:[0-9a-f]{16}$/);
  });

  it('fails the task with a clear message when the image has no /bin/sh', async () => {
    await fleet.client.codes.upload(undefined, { name: 'no-shell', image: NO_SHELL_IMAGE, command: 'cat /hello.txt' });
    const result = await run('no-shell');
    expect(result.status).toBe('error');
    expect(result.msg).toContain(`Image ${NO_SHELL_IMAGE} has no /bin/sh`);
    expect(result.log).toContain('has no /bin/sh');
  });

  it('fails the task with a clear message when the image has no tar', async () => {
    await fleet.client.codes.upload(undefined, { name: 'no-tar', image: NO_TAR_IMAGE, command: 'echo hi' });
    const result = await run('no-tar');
    expect(result.status).toBe('error');
    expect(result.msg).toContain(`Image ${NO_TAR_IMAGE} has no tar`);
  });

  it('fails the task, naming the image, when the image is not on the worker', async () => {
    await fleet.client.codes.upload(undefined, { name: 'absent', image: `${tag}:absent`, command: 'true' });
    const result = await run('absent');
    expect(result.status).toBe('error');
    expect(result.msg).toContain(`Image ${tag}:absent is not present`);
  });
});
