import { describe, expect, it } from 'vitest';
import { MiB } from '../core/limits.ts';
import { createOptions } from './create-options.ts';
import { findDroppedLimits, type InspectedContainer } from './limits-check.ts';
import type { ContainerSpec } from './port.ts';

const spec: ContainerSpec = {
  name: 'dh-6763a1f09c2e4b7d1a0f3e55-1',
  image: 'dockhand-base:test',
  cmd: ['/bin/sh', '-c', 'true'],
  env: { TASK_ID: '6763a1f09c2e4b7d1a0f3e55' },
  labels: { 'dockhand.managed': 'true' },
  limits: {
    memoryBytes: 64 * MiB,
    nanoCpus: 1e9,
    pidsLimit: 64,
    nofile: 1024,
    fsizeBytes: 16 * MiB,
    tmpSizeBytes: 8 * MiB,
    taskDirSizeBytes: 32 * MiB,
    shmSizeBytes: 4 * MiB,
    runDirSizeBytes: 3 * MiB,
  },
  network: false,
};

/** What the engine records when it honours every field: the create body echoed back. */
function honoured(): InspectedContainer {
  const options = createOptions(spec);
  return { HostConfig: structuredClone(options.HostConfig ?? {}), Config: { User: options.User ?? '' } };
}

describe('findDroppedLimits', () => {
  it('finds nothing missing when the engine kept every limit', () => {
    expect(findDroppedLimits(spec, honoured())).toEqual([]);
  });

  it('names the memory limits the daemon drops when the memory controller is absent', () => {
    const inspected = honoured();
    inspected.HostConfig.Memory = 0;
    inspected.HostConfig.MemorySwap = -1;
    expect(findDroppedLimits(spec, inspected)).toEqual(['memory', 'memory swap']);
  });

  it('names a dropped pids limit, cpu quota and shm size', () => {
    const inspected = honoured();
    delete inspected.HostConfig.PidsLimit;
    inspected.HostConfig.NanoCpus = 0;
    inspected.HostConfig.ShmSize = 64 * MiB;
    expect(findDroppedLimits(spec, inspected)).toEqual(['pids limit', 'nano cpus', 'shm size']);
  });

  it('names weakened privileges: capabilities, no-new-privileges, privileged mode and user', () => {
    const inspected = honoured();
    inspected.HostConfig.CapDrop = [];
    inspected.HostConfig.SecurityOpt = ['seccomp=unconfined'];
    inspected.HostConfig.Privileged = true;
    inspected.Config.User = '';
    expect(findDroppedLimits(spec, inspected)).toEqual(['cap drop ALL', 'no-new-privileges', 'not privileged', 'user']);
  });

  it('names a writable root, a changed or missing tmpfs and an unexpected network', () => {
    const inspected = honoured();
    inspected.HostConfig.ReadonlyRootfs = false;
    inspected.HostConfig.Tmpfs = { '/task': 'rw' };
    inspected.HostConfig.NetworkMode = 'bridge';
    expect(findDroppedLimits(spec, inspected)).toEqual(['read-only root filesystem', 'tmpfs mounts', 'network mode']);
  });

  it('names missing ulimits, a missing init and a bind mount', () => {
    const inspected = honoured();
    inspected.HostConfig.Ulimits = [{ Name: 'nofile', Soft: 1024, Hard: 1024 }];
    inspected.HostConfig.Init = false;
    inspected.HostConfig.Binds = ['/var/run/docker.sock:/var/run/docker.sock'];
    expect(findDroppedLimits(spec, inspected)).toEqual(['ulimits', 'init', 'no bind mounts']);
  });

  it('expects the bridge network when the spec asks for network', () => {
    const inspected = honoured();
    expect(findDroppedLimits({ ...spec, network: true }, inspected)).toEqual(['network mode']);
  });
});
