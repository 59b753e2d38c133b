/**
 * The Docker adapter against the real engine: what a live task container really looks like, name
 * conflicts, idempotent kill and remove, listing by label, and the engine probes.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS, MiB } from '../../src/core/limits.ts';
import { buildContainerSpec } from '../../src/runtime/container-spec.ts';
import { DockerContainerHandle, DockerRuntime } from '../../src/runtime/docker-runtime.ts';
import type { ContainerSpec, OutputChunk } from '../../src/runtime/port.ts';
import { docker, ensureBaseImage, listLabelled, removeLabelled, testLabel, testTaskId, type TestLabel } from '../helpers/docker.ts';

let image: string;
let label: TestLabel;
const runtime = new DockerRuntime(docker());

beforeAll(async () => {
  image = await ensureBaseImage();
});

afterEach(async () => {
  await removeLabelled(label.filter);
});

function spec(command: string, overrides: { network?: boolean } = {}): ContainerSpec {
  label = testLabel('runtime');
  const built = buildContainerSpec({
    taskId: testTaskId(),
    attempt: 3,
    projectId: 'proj-rt',
    codeName: 'rt-code',
    nodeId: 'node-rt',
    image,
    command,
    envVars: { GREETING: 'hi' },
    memoryMb: 48,
    cpus: 0.5,
    network: overrides.network ?? false,
    limits: { pidsLimit: 40, nofile: 256, fsizeBytes: 8 * MiB, tmpSizeBytes: 4 * MiB, taskDirSizeBytes: 16 * MiB, shmSizeBytes: 2 * MiB },
  });
  built.labels[label.key] = label.value;
  return built;
}

async function collect(output: AsyncIterable<OutputChunk>): Promise<OutputChunk[]> {
  const chunks: OutputChunk[] = [];
  for await (const chunk of output) chunks.push(chunk);
  return chunks;
}

describe('DockerRuntime', () => {
  it('creates a live container that shows every isolation default when inspected', async () => {
    const s = spec('sleep 30');
    const handle = await runtime.create(s);
    await handle.attach();
    await handle.start();
    // The entry script now blocks reading stdin: the container is running.
    const info = await docker().getContainer(handle.id).inspect();
    expect(info.State.Running).toBe(true);
    expect(info.Name).toBe(`/${s.name}`);
    expect(info.Config.User).toBe('1000:1000');
    expect(info.Config.Labels).toMatchObject({
      'dockhand.managed': 'true',
      'dockhand.task': s.labels['dockhand.task'],
      'dockhand.attempt': '3',
      'dockhand.node': 'node-rt',
      'dockhand.project': 'proj-rt',
      'dockhand.code': 'rt-code',
    });
    expect(info.Config.Env).toEqual(expect.arrayContaining(['GREETING=hi', `TASK_ID=${s.labels['dockhand.task']}`, 'TASK_DIR=/task']));
    expect(info.Config.Entrypoint).toEqual(['/usr/local/bin/dockhand-entry']);
    expect(info.Config.Cmd).toEqual(['/bin/sh', '-c', 'sleep 30']);
    expect(info.Config.Tty).toBe(false);
    expect(info.Config.OpenStdin).toBe(true);
    expect(info.Config.StdinOnce).toBe(true);

    const host = info.HostConfig;
    expect(host.CapDrop).toEqual(['ALL']);
    expect(host.CapAdd ?? []).toEqual([]);
    expect(host.SecurityOpt).toEqual(['no-new-privileges']);
    expect(host.Privileged).toBe(false);
    expect(host.ReadonlyRootfs).toBe(true);
    expect(host.Tmpfs).toEqual({
      '/task': `rw,exec,nosuid,nodev,size=${16 * MiB},nr_inodes=${LIMITS.taskDirInodes},uid=1000,gid=1000,mode=0755`,
      '/run/dockhand': expect.stringMatching(/^rw,nosuid,nodev,noexec,size=\d+,nr_inodes=\d+,uid=1000,gid=1000,mode=0700$/),
      '/tmp': `rw,nosuid,nodev,noexec,size=${4 * MiB},nr_inodes=${LIMITS.tmpInodes},mode=1777`,
    });
    expect(host.Memory).toBe(48 * MiB);
    expect(host.MemorySwap).toBe(48 * MiB);
    expect(host.NanoCpus).toBe(500_000_000);
    expect(host.PidsLimit).toBe(40);
    expect(host.ShmSize).toBe(2 * MiB);
    expect(host.Ulimits).toEqual([
      { Name: 'nofile', Soft: 256, Hard: 256 },
      { Name: 'fsize', Soft: 8 * MiB, Hard: 8 * MiB },
      { Name: 'core', Soft: 0, Hard: 0 },
    ]);
    expect(host.Init).toBe(true);
    expect(host.NetworkMode).toBe('none');
    expect(host.LogConfig?.Type).toBe('none');
    expect(host.Binds ?? []).toEqual([]);
    expect(info.Mounts.filter((m) => m.Type === 'bind' || m.Type === 'volume')).toEqual([]);

    await handle.kill();
    expect((await handle.wait()).exitCode).toBe(137);
    await handle.remove();
    expect(await listLabelled(label.filter)).toEqual([]);
  });

  it('uses the bridge network only when the spec asks for network', async () => {
    const handle = await runtime.create(spec('true', { network: true }));
    const info = await docker().getContainer(handle.id).inspect();
    expect(info.HostConfig.NetworkMode).toBe('bridge');
    await handle.remove();
  });

  it('refuses a second create with the same name as a conflict naming the container', async () => {
    const s = spec('true');
    const first = await runtime.create(s);
    await expect(runtime.create(s)).rejects.toMatchObject({
      code: 'DH_ERR_CONFLICT',
      message: expect.stringContaining(s.name),
      details: expect.objectContaining({ container: s.name, status: 409 }),
    });
    expect((await listLabelled(label.filter)).map((c) => c.Id)).toEqual([first.id]);
    await first.remove();
  });

  it('names the image when it does not exist', async () => {
    const s = { ...spec('true'), image: 'dockhand-missing-image:nope' };
    await expect(runtime.create(s)).rejects.toMatchObject({
      code: 'DH_ERR_IMAGE_NOT_FOUND',
      message: expect.stringContaining('dockhand-missing-image:nope'),
    });
  });

  it('streams stdin in and demultiplexed stdout and stderr out', async () => {
    label = testLabel('runtime-attach');
    // A plain shell instead of the entry script, to see raw stdin arrive.
    const raw = await docker().createContainer({
      Image: image,
      // Output pipes are read separately, so only writes apart in time keep their order.
      Entrypoint: ['/bin/sh', '-c', 'read line; echo "got $line"; sleep 0.1; echo "to stderr" >&2; sleep 0.1; echo done'],
      OpenStdin: true,
      StdinOnce: true,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Labels: { [label.key]: label.value },
      HostConfig: { NetworkMode: 'none' },
    });
    const rawHandle = new DockerContainerHandle(raw, `raw-${label.value}`, image);
    const { input, output } = await rawHandle.attach();
    const collecting = collect(output);
    await rawHandle.start();
    input.end('hello\n');
    expect((await rawHandle.wait()).exitCode).toBe(0);
    const chunks = await collecting;
    expect(chunks.map((c) => `${c.stream}:${c.data.toString()}`).join('')).toBe('stdout:got hello\nstderr:to stderr\nstdout:done\n');
    await rawHandle.remove();
  });

  it('ignores a kill of a stopped container and a remove of a removed one', async () => {
    const handle = await runtime.create(spec('true'));
    const { input, output } = await handle.attach();
    const collecting = collect(output);
    await handle.start();
    input.end();
    await handle.wait();
    await collecting;
    await expect(handle.kill()).resolves.toBeUndefined();
    await handle.remove();
    await expect(handle.remove()).resolves.toBeUndefined();
    await expect(handle.kill()).resolves.toBeUndefined();
    await expect(runtime.removeById(handle.id)).resolves.toBeUndefined();
  });

  it('lists containers by label and removes them by id', async () => {
    const a = await runtime.create(spec('true'));
    const listed = await runtime.list(label.filter);
    expect(listed).toEqual([{ id: a.id, name: a.name, labels: expect.objectContaining({ 'dockhand.managed': 'true' }), state: 'created' }]);
    expect((await runtime.list('dockhand.managed=true')).map((c) => c.id)).toContain(a.id);
    await runtime.removeById(a.id);
    expect(await runtime.list(label.filter)).toEqual([]);
  });

  it('answers whether an image exists, pings and reports the engine version', async () => {
    label = testLabel('runtime-probe');
    expect(await runtime.imageExists(image)).toBe(true);
    expect(await runtime.imageExists('dockhand-missing-image:nope')).toBe(false);
    await expect(runtime.ping()).resolves.toBeUndefined();
    expect(await runtime.version()).toMatch(/^\d+\.\d+/);
  });

  it('reports an unreachable engine as DH_ERR_DOCKER_UNAVAILABLE', async () => {
    label = testLabel('runtime-down');
    const { default: Dockerode } = await import('dockerode');
    const nowhere = new DockerRuntime(new Dockerode({ socketPath: '/nonexistent/docker.sock' }));
    await expect(nowhere.ping()).rejects.toMatchObject({ code: 'DH_ERR_DOCKER_UNAVAILABLE' });
    await expect(nowhere.create(spec('true'))).rejects.toMatchObject({ code: 'DH_ERR_DOCKER_UNAVAILABLE', message: expect.stringContaining('start dockerd') });
  });
});
