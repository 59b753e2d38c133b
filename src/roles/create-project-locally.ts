/**
 * `dockhand projects create NAME` without an admin token: run on the server machine, it writes the
 * project straight into Dockhand's Redis (REDIS_URL, or Dockhand's own on 127.0.0.1:DOCKHAND_REDIS_PORT,
 * default 6390, under DOCKHAND_REDIS_PREFIX). Whoever can reach that Redis already holds every
 * project, so this adds no power; anyone else needs the admin token and the HTTP route.
 *
 *   const created = await createProjectLocally('billing', process.env);
 */
import { createRedisClient } from '../store/redis/connection/redis-client.ts';
import { parseRedisTarget } from '../store/redis/connection/redis-target.ts';
import { DhError } from '../core/errors.ts';
import { parseSettings } from '../core/settings.ts';
import { createProject, type CreatedProject } from '../service/projects.ts';
import { Keys } from '../store/redis/keys.ts';
import { RedisProjectStore } from '../store/redis/redis-project-store.ts';

export function localRedisUrl(env: Record<string, string | undefined>): string {
  const settings = parseSettings(env);
  return settings.REDIS_URL ?? `redis://127.0.0.1:${env.DOCKHAND_REDIS_PORT || 6390}`;
}

export async function createProjectLocally(name: string, env: Record<string, string | undefined> = process.env): Promise<CreatedProject> {
  const settings = parseSettings(env);
  const url = localRedisUrl(env);
  const redis = createRedisClient(parseRedisTarget({ ...settings, REDIS_URL: url }), { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new DhError(
      'DH_ERR_REDIS_UNAVAILABLE',
      `Cannot reach Dockhand's Redis at ${url.replace(/\/\/[^@/]*@/, '//***@')} (${(err as Error).message}): run this on the server machine (with REDIS_URL if Redis is elsewhere), or create the project over HTTP with --admin-token.`,
    );
  }
  try {
    return await createProject(new RedisProjectStore(redis, new Keys(settings.DOCKHAND_REDIS_PREFIX)), name);
  } finally {
    redis.disconnect();
  }
}
