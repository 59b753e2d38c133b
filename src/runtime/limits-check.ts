/**
 * Compares what the engine recorded for a created container with what Dockhand asked for. When the
 * kernel lacks a cgroup controller the daemon silently drops the limit (the warning is lost in the
 * create response), so the worker inspects every container and refuses to start one that is missing a
 * limit. The same check catches what an image can add on its own (a `VOLUME` becomes a writable,
 * unbounded directory on the host's disk) and an OCI runtime the engine did not use. Pure: takes the
 * inspect JSON, returns the names of what is missing.
 *
 *   const missing = findDroppedLimits(spec, await container.inspect());
 *   if (missing.length > 0) refuse(missing);
 */
import type { ContainerInspectInfo } from 'dockerode';
import type { ContainerSpec } from './port.ts';
import { TASK_USER, networkMode, tmpfsMounts, ulimits, type EngineHostConfig } from './create-options.ts';

/** The subset of inspect output the check reads; dockerode's type, narrowed to what matters. */
export type InspectedContainer = {
  HostConfig: EngineHostConfig;
  Config: { User?: string };
  Mounts?: Array<Pick<ContainerInspectInfo['Mounts'][number], 'Type' | 'Destination'>>;
};

/** SecurityOpt entries that switch a default confinement off. */
const UNCONFINED = /(^|[=:])unconfined$|^label[=:]disable$|^systempaths=unconfined$/;

export function findDroppedLimits(spec: ContainerSpec, inspected: InspectedContainer): string[] {
  const host = inspected.HostConfig;
  const missing: string[] = [];
  const expect = (name: string, ok: boolean): void => {
    if (!ok) missing.push(name);
  };

  expect('memory', host.Memory === spec.limits.memoryBytes);
  expect('memory swap', host.MemorySwap === spec.limits.memoryBytes);
  expect('pids limit', host.PidsLimit === spec.limits.pidsLimit);
  expect('nano cpus', host.NanoCpus === spec.limits.nanoCpus);
  expect('cap drop ALL', host.CapDrop?.includes('ALL') === true);
  expect('read-only root filesystem', host.ReadonlyRootfs === true);
  expect('no-new-privileges', host.SecurityOpt?.includes('no-new-privileges') === true);
  expect('not privileged', host.Privileged !== true);
  expect('tmpfs mounts', sameEntries(host.Tmpfs ?? {}, tmpfsMounts(spec.limits)));
  expect('network mode', host.NetworkMode === networkMode(spec));
  expect('ulimits', ulimits(spec.limits).every((want) => host.Ulimits?.some((got) => got.Name === want.Name && got.Soft === want.Soft && got.Hard === want.Hard)));
  expect('init', host.Init === true);
  expect('shm size', host.ShmSize === spec.limits.shmSizeBytes);
  expect('no bind mounts', (host.Binds ?? []).length === 0);
  expect('user', inspected.Config.User === TASK_USER);
  if (spec.runtime !== undefined) expect(`runtime ${spec.runtime}`, host.Runtime === spec.runtime);
  expect('no added capabilities', isEmpty(host.CapAdd));
  expect('no devices', isEmpty(host.Devices) && isEmpty(host.DeviceCgroupRules));
  expect('no volumes or mounts', isEmpty(host.Mounts) && isEmpty(host.VolumesFrom) && isEmpty(volumeDestinations(inspected)));
  expect('default seccomp and AppArmor', !(host.SecurityOpt ?? []).some((opt) => UNCONFINED.test(opt)));
  expect('masked system paths', (host.MaskedPaths ?? []).length > 0);
  expect('private pid namespace', host.PidMode === undefined || host.PidMode === '' || host.PidMode === 'private');
  expect('private ipc namespace', host.IpcMode === 'private');
  expect('private cgroup namespace', host.CgroupnsMode === 'private');
  expect('own user namespace mode', host.UsernsMode !== 'host');
  expect('oom killer on', host.OomKillDisable !== true);
  expect('no published ports', host.PublishAllPorts !== true && isEmpty(host.PortBindings));
  return missing;
}

/** The mounts the engine made beyond the requested tmpfs ones: image `VOLUME`s, mostly. */
export function volumeDestinations(inspected: InspectedContainer): string[] {
  return (inspected.Mounts ?? []).filter((m) => m.Type !== 'tmpfs').map((m) => m.Destination);
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

function sameEntries(got: Record<string, string>, want: Record<string, string>): boolean {
  const gotKeys = Object.keys(got).sort();
  const wantKeys = Object.keys(want).sort();
  return gotKeys.length === wantKeys.length && wantKeys.every((key, i) => gotKeys[i] === key && got[key] === want[key]);
}

/** The sentence a refused container is reported with: what was missing and what the operator can do. */
export function refusalMessage(spec: ContainerSpec, missing: string[], inspected: InspectedContainer): string {
  const volumes = volumeDestinations(inspected);
  const hints: string[] = [];
  if (volumes.length > 0) {
    hints.push(`image ${spec.image} declares VOLUME ${volumes.join(', ')}, which would give the task writable host disk outside every size cap: build it without VOLUME`);
  }
  if (spec.runtime !== undefined && missing.includes(`runtime ${spec.runtime}`)) {
    hints.push(`the engine did not use the OCI runtime ${spec.runtime} (DOCKHAND_RUNTIME): register it in /etc/docker/daemon.json and restart dockerd`);
  }
  if (hints.length === 0 || missing.length > hints.length) hints.push('enable the missing cgroup controllers or engine features on this host');
  return `Container ${spec.name} failed the isolation check (${missing.join(', ')}), so it was removed unstarted; ${hints.join('; ')}.`;
}
