/**
 * Readies this machine for Dockhand: the Debian packages (as root), a running Docker engine, a Redis
 * (REDIS_URL, or our own with AOF under the data dir), and the stack images. Shared by `up` and the
 * test command, so both provision the same way: `up` builds the first stacks (the rest build with
 * `dockhand stacks build`), the tests build the whole catalogue, several stacks at a time.
 */
import os from 'node:os';
import type Docker from 'dockerode';
import { parseSettings } from '../core/settings.ts';
import { ensureDocker } from '../host/docker-daemon.ts';
import { ensurePackages, REQUIRED_PROGRAMS, TEST_PROGRAMS } from '../host/packages.ts';
import { ensureRedis } from '../host/redis-server.ts';
import type { ProgressLog } from '../host/progress.ts';
import { loadStackCatalog } from '../stacks/catalog.ts';
import { ensureStacksBuilt, type BuildEvent, type BuildReport } from '../stacks/build.ts';

/** The stacks `up` builds on a fresh machine; the rest build on demand with `dockhand stacks build`. */
export const FIRST_STACKS = ['shell', 'default', 'node-20', 'python-3.13'];

export interface Provisioned {
  docker: Docker;
  dockerHost: string;
  redisUrl: string;
  /** The stack images, when any were asked for. */
  stacks?: BuildReport;
}

export interface ProvisionOptions {
  dataDir: string;
  log: ProgressLog;
  /** Also install what only the test suites need (host/packages.ts TEST_PROGRAMS). */
  forTests?: boolean;
  /** Stacks to build: names, or `all` for the whole catalogue (default FIRST_STACKS). */
  stacks?: string[] | 'all';
  /** Stacks built at once (default: DOCKHAND_BUILD_PARALLEL, else one more than the CPUs, 2 to 4). */
  parallel?: number;
}

export async function provisionHost(options: ProvisionOptions): Promise<Provisioned> {
  const { dataDir, log } = options;
  const packageNames = (programs: readonly { pkg: string }[]): string => programs.map((p) => p.pkg).join(', ');
  log(`==> checking packages (${packageNames(REQUIRED_PROGRAMS)}${options.forTests ? `, and for the tests ${packageNames(TEST_PROGRAMS)}` : ''})`);
  await ensurePackages({ log, forTests: options.forTests === true });
  log('==> starting the Docker engine if needed');
  const { docker, dockerHost } = await ensureDocker({ dataDir, log });
  log('==> starting Redis if needed');
  const redisUrl = await ensureRedis({ dataDir, log });
  const catalog = await loadStackCatalog();
  const stacks = options.stacks === 'all' ? catalog.names() : (options.stacks ?? FIRST_STACKS);
  if (stacks.length === 0) return { docker, dockerHost, redisUrl };
  const parallel = options.parallel ?? defaultParallel();
  log(`==> building ${stacks.length} stack images, ${parallel} at a time (cached after the first run): ${stacks.join(', ')}`);
  const started = Date.now();
  const report = await ensureStacksBuilt(docker, catalog, stacks, { parallel, onEvent: progressLine(log) });
  const images = [...report.bases, ...report.stacks];
  const built = images.filter((image) => image.status === 'built').length;
  log(`==> stack images ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${built} built, ${images.length - built} cached`);
  return { docker, dockerHost, redisUrl, stacks: report };
}

/** Builds are network- and dpkg-bound, so one more than the CPUs keeps the machine busy. */
function defaultParallel(): number {
  return parseSettings(process.env).DOCKHAND_BUILD_PARALLEL ?? Math.min(4, Math.max(2, os.availableParallelism() + 1));
}

/** Build progress as log lines: each image's steps and how it ended; the builder's chatter is left out. */
function progressLine(log: ProgressLog): (event: BuildEvent) => void {
  return (event) => {
    if (event.phase === 'waiting' || (event.phase === undefined && event.step === undefined && !event.image.startsWith('base-'))) return;
    const line = `    [${event.image}] ${event.message.replace(/\s+/g, ' ')}`;
    log(line.length > 160 ? `${line.slice(0, 159)}…` : line);
  };
}
