import { describe, expect, it } from 'vitest';
import { MiB } from '../core/limits.ts';
import { createOptions } from './create-options.ts';
import { findDroppedLimits, refusalMessage, type InspectedContainer } from './limits-check.ts';
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
  // The engine adds its masked /proc and /sys paths to every unprivileged container.
  const hostConfig = { ...structuredClone(options.HostConfig ?? {}), MaskedPaths: ['/proc/kcore', '/sys/firmware'] };
  return { HostConfig: hostConfig, Config: { User: options.User ?? '' }, Mounts: [] };
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
    expect(findDroppedLimits(spec, inspected)).toEqual(['cap drop ALL', 'no-new-privileges', 'not privileged', 'user', 'default seccomp and AppArmor']);
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

  it('names an OCI runtime the engine did not use, and says how to register it', () => {
    const wanted = { ...spec, runtime: 'runsc' };
    const inspected = honoured();
    inspected.HostConfig.Runtime = 'runc';
    expect(findDroppedLimits(wanted, inspected)).toEqual(['runtime runsc']);
    expect(refusalMessage(wanted, ['runtime runsc'], inspected)).toMatch(/OCI runtime runsc \(DOCKHAND_RUNTIME\).*daemon\.json/);
    inspected.HostConfig.Runtime = 'runsc';
    expect(findDroppedLimits(wanted, inspected)).toEqual([]);
  });

  it('names a volume the image declared, which would be unbounded host disk, and says so', () => {
    const inspected = honoured();
    inspected.Mounts = [{ Type: 'volume', Destination: '/data' }];
    expect(findDroppedLimits(spec, inspected)).toEqual(['no volumes or mounts']);
    expect(refusalMessage(spec, ['no volumes or mounts'], inspected)).toMatch(/declares VOLUME \/data.*host disk/);
  });

  it('names added capabilities, devices, host namespaces and unconfined profiles', () => {
    const inspected = honoured();
    inspected.HostConfig.CapAdd = ['NET_RAW'];
    inspected.HostConfig.Devices = [{ PathOnHost: '/dev/kmsg', PathInContainer: '/dev/kmsg', CgroupPermissions: 'rwm' }];
    inspected.HostConfig.SecurityOpt = ['no-new-privileges', 'apparmor=unconfined'];
    inspected.HostConfig.MaskedPaths = [];
    inspected.HostConfig.PidMode = 'host';
    inspected.HostConfig.IpcMode = 'host';
    inspected.HostConfig.CgroupnsMode = 'host';
    inspected.HostConfig.UsernsMode = 'host';
    inspected.HostConfig.OomKillDisable = true;
    inspected.HostConfig.PortBindings = { '80/tcp': [{ HostPort: '8080' }] };
    expect(findDroppedLimits(spec, inspected)).toEqual([
      'no added capabilities',
      'no devices',
      'default seccomp and AppArmor',
      'masked system paths',
      'private pid namespace',
      'private ipc namespace',
      'private cgroup namespace',
      'own user namespace mode',
      'oom killer on',
      'no published ports',
    ]);
  });

  it('treats seccomp=unconfined and label=disable as weakened confinement', () => {
    for (const opt of ['seccomp=unconfined', 'seccomp:unconfined', 'label=disable', 'systempaths=unconfined']) {
      const inspected = honoured();
      inspected.HostConfig.SecurityOpt = ['no-new-privileges', opt];
      expect(findDroppedLimits(spec, inspected)).toEqual(['default seccomp and AppArmor']);
    }
  });

  it('tells the operator to enable cgroup controllers when limits were dropped', () => {
    expect(refusalMessage(spec, ['memory', 'pids limit'], honoured())).toBe(
      `Container ${spec.name} failed the isolation check (memory, pids limit), so it was removed unstarted; enable the missing cgroup controllers or engine features on this host.`,
    );
  });
});
