/**
 * Readies this machine for Dockhand: the Debian packages (as root), a running Docker engine, a Redis
 * (REDIS_URL, or our own with AOF under the data dir), and the stack images. Shared by `up` and the
 * test command, so both provision the same way.
 */
import type Docker from 'dockerode';
import { ensureDocker } from '../host/docker-daemon.ts';
import { ensurePackages } from '../host/packages.ts';
import { ensureRedis } from '../host/redis-server.ts';
import type { ProgressLog } from '../host/progress.ts';
import { loadStackCatalog } from '../stacks/catalog.ts';
import { ensureStacksBuilt } from '../stacks/build.ts';

/** The stacks `up` builds on a fresh machine; the rest build on demand with `dockhand stacks build`. */
export const FIRST_STACKS = ['shell', 'default', 'node-20', 'python-3.13'];

export interface Provisioned {
  docker: Docker;
  dockerHost: string;
  redisUrl: string;
}

export async function provisionHost(options: { dataDir: string; log: ProgressLog; stacks?: string[] }): Promise<Provisioned> {
  const { dataDir, log } = options;
  log('==> checking packages (docker.io, redis-server, debootstrap)');
  await ensurePackages({ log });
  log('==> starting the Docker engine if needed');
  const { docker, dockerHost } = await ensureDocker({ dataDir, log });
  log('==> starting Redis if needed');
  const redisUrl = await ensureRedis({ dataDir, log });
  const stacks = options.stacks ?? FIRST_STACKS;
  if (stacks.length > 0) {
    log(`==> building stack images: ${stacks.join(', ')} (cached after the first run)`);
    const catalog = await loadStackCatalog();
    await ensureStacksBuilt(docker, catalog, stacks, { log });
  }
  return { docker, dockerHost, redisUrl };
}
