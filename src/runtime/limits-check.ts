/**
 * Compares what the engine recorded for a created container with what Dockhand asked for. When the
 * kernel lacks a cgroup controller the daemon silently drops the limit (the warning is lost in the
 * create response), so the worker inspects every container and refuses to start one that is missing a
 * limit. Pure: takes the inspect JSON, returns the names of what is missing.
 *
 *   const missing = findDroppedLimits(spec, await container.inspect());
 *   if (missing.length > 0) refuse(missing);
 */
import type { ContainerInspectInfo } from 'dockerode';
import type { ContainerSpec } from './port.ts';
import { TASK_USER, networkMode, tmpfsMounts, ulimits } from './create-options.ts';

/** The subset of inspect output the check reads; dockerode's type, narrowed to what matters. */
export type InspectedContainer = Pick<ContainerInspectInfo, 'HostConfig'> & { Config: { User?: string } };

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
  return missing;
}

function sameEntries(got: Record<string, string>, want: Record<string, string>): boolean {
  const gotKeys = Object.keys(got).sort();
  const wantKeys = Object.keys(want).sort();
  return gotKeys.length === wantKeys.length && wantKeys.every((key, i) => gotKeys[i] === key && got[key] === want[key]);
}
