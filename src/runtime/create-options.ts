/**
 * The Docker Engine create body for a ContainerSpec: every isolation default of ARCHITECTURE §8 in
 * one place. Pure, so the exact JSON sent to the engine is unit-tested. Nothing in HostConfig comes
 * from user input except the sizes Dockhand itself computed.
 *
 *   await docker.createContainer(createOptions(spec));
 */
import type { ContainerCreateOptions, HostConfig } from 'dockerode';
import { LIMITS, MiB } from '../core/limits.ts';
import type { ContainerLimits, ContainerSpec } from './port.ts';

/** The unprivileged user of the base image; numeric so no passwd lookup is needed. */
export const TASK_USER = '1000:1000';

/** Used when a spec carries no /run/dockhand size: the default caps plus room for the file system. */
const DEFAULT_RUN_DIR_SIZE_BYTES = LIMITS.payloadMaxBytes + LIMITS.configMaxBytes + LIMITS.resultMaxBytes + MiB;

export function runDirSize(limits: ContainerLimits): number {
  return limits.runDirSizeBytes ?? DEFAULT_RUN_DIR_SIZE_BYTES;
}

/** The tmpfs mounts: the only writable places in a task container. */
export function tmpfsMounts(limits: ContainerLimits): Record<string, string> {
  return {
    // The code is unpacked here and may hold executables, hence `exec`.
    '/task': `rw,exec,nosuid,nodev,size=${limits.taskDirSizeBytes},nr_inodes=${limits.taskDirInodes ?? LIMITS.taskDirInodes},uid=1000,gid=1000,mode=0755`,
    '/run/dockhand': `rw,nosuid,nodev,noexec,size=${runDirSize(limits)},nr_inodes=${LIMITS.runDirInodes},uid=1000,gid=1000,mode=0700`,
    '/tmp': `rw,nosuid,nodev,noexec,size=${limits.tmpSizeBytes},nr_inodes=${limits.tmpInodes ?? LIMITS.tmpInodes},mode=1777`,
  };
}

export function ulimits(limits: ContainerLimits): Array<{ Name: string; Soft: number; Hard: number }> {
  return [
    { Name: 'nofile', Soft: limits.nofile, Hard: limits.nofile },
    // RLIMIT_FSIZE is in bytes; Docker passes the number to setrlimit as is.
    { Name: 'fsize', Soft: limits.fsizeBytes, Hard: limits.fsizeBytes },
    { Name: 'core', Soft: 0, Hard: 0 },
  ];
}

export function networkMode(spec: ContainerSpec): string {
  return spec.network ? (spec.networkName ?? 'bridge') : 'none';
}

/**
 * HostConfig as the engine (API 1.41+) takes it; dockerode's typings lack the cgroup namespace field
 * and type the capability and security option lists as `any`.
 */
export type EngineHostConfig = Omit<HostConfig, 'CapDrop' | 'SecurityOpt'> & {
  CgroupnsMode?: string;
  CapDrop?: string[];
  SecurityOpt?: string[];
};

export function createOptions(spec: ContainerSpec): ContainerCreateOptions {
  const { limits } = spec;
  const hostConfig: EngineHostConfig = {
    CapDrop: ['ALL'],
    SecurityOpt: ['no-new-privileges'],
    Privileged: false,
    ReadonlyRootfs: true,
    Tmpfs: tmpfsMounts(limits),
    ShmSize: limits.shmSizeBytes,
    Memory: limits.memoryBytes,
    // Equal to Memory: no swap, so the memory limit is the real one.
    MemorySwap: limits.memoryBytes,
    NanoCpus: limits.nanoCpus,
    PidsLimit: limits.pidsLimit,
    Ulimits: ulimits(limits),
    // tini as PID 1: forwards signals and reaps zombies, which a shell as PID 1 would not.
    Init: true,
    NetworkMode: networkMode(spec),
    // Output is read over attach; a log driver would only keep a second, unbounded copy.
    LogConfig: { Type: 'none', Config: {} },
    Binds: [],
    // Namespaces of its own: no view of the host's (or another task's) IPC objects or cgroup tree.
    IpcMode: 'private',
    CgroupnsMode: 'private',
    // A task over its memory limit is killed, never left hanging on the host's memory.
    OomKillDisable: false,
    AutoRemove: false,
  };
  if (spec.runtime !== undefined) hostConfig.Runtime = spec.runtime;

  return {
    name: spec.name,
    Image: spec.image,
    // The image's entrypoint (dockhand-entry) receives the code over stdin, then runs Cmd.
    Cmd: spec.cmd,
    Env: Object.entries(spec.env).map(([name, value]) => `${name}=${value}`),
    Labels: spec.labels,
    User: TASK_USER,
    OpenStdin: true,
    StdinOnce: true,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    HostConfig: hostConfig,
  };
}
