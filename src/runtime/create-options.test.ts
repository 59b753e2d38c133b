import { describe, expect, it } from 'vitest';
import { LIMITS, MiB } from '../core/limits.ts';
import { createOptions } from './create-options.ts';
import type { ContainerSpec } from './port.ts';

const spec: ContainerSpec = {
  name: 'dh-6763a1f09c2e4b7d1a0f3e55-1',
  image: 'dockhand-base:test',
  cmd: ['/bin/sh', '-c', 'echo hi'],
  env: { GREETING: 'a=b', TASK_ID: '6763a1f09c2e4b7d1a0f3e55' },
  labels: { 'dockhand.managed': 'true', 'dockhand.task': '6763a1f09c2e4b7d1a0f3e55' },
  limits: {
    memoryBytes: 64 * MiB,
    nanoCpus: 1_500_000_000,
    pidsLimit: 64,
    nofile: 512,
    fsizeBytes: 16 * MiB,
    tmpSizeBytes: 8 * MiB,
    taskDirSizeBytes: 32 * MiB,
    shmSizeBytes: 4 * MiB,
    runDirSizeBytes: 3 * MiB,
  },
  network: false,
};

describe('createOptions', () => {
  it('runs the command as the unprivileged user with stdin open once and no tty', () => {
    const options = createOptions(spec);
    expect(options).toMatchObject({
      name: spec.name,
      Image: 'dockhand-base:test',
      Cmd: ['/bin/sh', '-c', 'echo hi'],
      User: '1000:1000',
      OpenStdin: true,
      StdinOnce: true,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      Labels: spec.labels,
    });
    expect(options.Entrypoint).toBeUndefined();
    expect(options.Env).toEqual(['GREETING=a=b', 'TASK_ID=6763a1f09c2e4b7d1a0f3e55']);
  });

  it('sets every isolation default of the host config', () => {
    const host = createOptions(spec).HostConfig;
    expect(host).toMatchObject({
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Privileged: false,
      ReadonlyRootfs: true,
      ShmSize: 4 * MiB,
      Memory: 64 * MiB,
      MemorySwap: 64 * MiB,
      NanoCpus: 1_500_000_000,
      PidsLimit: 64,
      Init: true,
      NetworkMode: 'none',
      LogConfig: { Type: 'none', Config: {} },
      Binds: [],
      IpcMode: 'private',
      CgroupnsMode: 'private',
      OomKillDisable: false,
      AutoRemove: false,
    });
    expect(host).not.toHaveProperty('CapAdd');
    expect(host).not.toHaveProperty('Devices');
    expect(host).not.toHaveProperty('Mounts');
    expect(host).not.toHaveProperty('PidMode');
    expect(host?.Ulimits).toEqual([
      { Name: 'nofile', Soft: 512, Hard: 512 },
      { Name: 'fsize', Soft: 16 * MiB, Hard: 16 * MiB },
      { Name: 'core', Soft: 0, Hard: 0 },
    ]);
    expect(host?.Runtime).toBeUndefined();
  });

  it('caps the files of /task and /tmp when the spec asks for other inode counts', () => {
    const tmpfs = createOptions({ ...spec, limits: { ...spec.limits, taskDirInodes: 500, tmpInodes: 100 } }).HostConfig?.Tmpfs;
    expect(tmpfs?.['/task']).toContain(',nr_inodes=500,');
    expect(tmpfs?.['/tmp']).toContain(',nr_inodes=100,');
  });

  it('mounts size- and inode-capped tmpfs at /task, /run/dockhand and /tmp', () => {
    expect(createOptions(spec).HostConfig?.Tmpfs).toEqual({
      '/task': `rw,exec,nosuid,nodev,size=${32 * MiB},nr_inodes=${LIMITS.taskDirInodes},uid=1000,gid=1000,mode=0755`,
      '/run/dockhand': `rw,nosuid,nodev,noexec,size=${3 * MiB},nr_inodes=${LIMITS.runDirInodes},uid=1000,gid=1000,mode=0700`,
      '/tmp': `rw,nosuid,nodev,noexec,size=${8 * MiB},nr_inodes=${LIMITS.tmpInodes},mode=1777`,
    });
  });

  it('sizes /run/dockhand from the default caps when the spec gives no size', () => {
    const { runDirSizeBytes: _omitted, ...limits } = spec.limits;
    const expected = LIMITS.payloadMaxBytes + LIMITS.configMaxBytes + LIMITS.resultMaxBytes + MiB;
    expect(createOptions({ ...spec, limits }).HostConfig?.Tmpfs?.['/run/dockhand']).toContain(`size=${expected},`);
  });

  it('puts a task with network on the named task network, and one without on none', () => {
    expect(createOptions({ ...spec, network: true, networkName: 'dockhand-tasks' }).HostConfig?.NetworkMode).toBe('dockhand-tasks');
    expect(createOptions({ ...spec, network: false, networkName: 'dockhand-tasks' }).HostConfig?.NetworkMode).toBe('none');
  });

  it('uses the bridge network only when asked, and the given OCI runtime', () => {
    const host = createOptions({ ...spec, network: true, runtime: 'runsc' }).HostConfig;
    expect(host?.NetworkMode).toBe('bridge');
    expect(host?.Runtime).toBe('runsc');
  });
});
