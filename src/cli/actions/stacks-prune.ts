/**
 * The work behind `dockhand stacks prune`: reads which images code revisions record (from Redis,
 * where the revisions are) and removes the stack images that are neither current nor recorded.
 * Without an answer from Redis nothing is removed: an image in use must never go by mistake.
 */
import { createRedisClient } from '../../store/redis/connection/redis-client.ts';
import { describeRedisTarget, parseRedisTarget } from '../../store/redis/connection/redis-target.ts';
import { DhError } from '../../core/errors.ts';
import { parseSettings } from '../../core/settings.ts';
import { pruneStackImages } from '../../stacks/prune.ts';
import { RedisCodeRegistry } from '../../store/redis/redis-code-registry.ts';
import { Keys } from '../../store/redis/keys.ts';
import type { StacksDeps } from './stacks-deps.ts';
import { formatBytes, info, printJson, table } from '../output.ts';

export async function pruneStacksCommand(deps: StacksDeps, options: { dryRun: boolean; json: boolean }): Promise<void> {
  const [docker, catalog] = await Promise.all([deps.docker(), deps.catalog()]);
  const referenced = await referencedImageIds();
  const report = await pruneStackImages(docker, catalog, referenced, { dryRun: options.dryRun });
  if (options.json) {
    return printJson({
      dry_run: report.dryRun,
      removed: report.removed.map((i) => ({ id: i.id, stack: i.stack, refs: i.refs, size: i.size })),
      kept: report.kept.map((i) => ({ id: i.id, stack: i.stack, refs: i.refs, size: i.size, reason: i.reason })),
      reclaimed_bytes: report.reclaimedBytes,
    });
  }
  const rows = [
    ...report.removed.map((i) => ({ stack: i.stack, image: i.refs[0] ?? i.id.slice(7, 19), size: formatBytes(i.size), action: report.dryRun ? 'would remove' : 'removed' })),
    ...report.kept.filter((i) => i.reason !== 'current').map((i) => ({ stack: i.stack, image: i.refs[0] ?? i.id.slice(7, 19), size: formatBytes(i.size), action: `kept (${i.reason})` })),
  ];
  if (rows.length > 0) console.log(table(rows, ['stack', 'image', 'size', 'action']));
  info(`${report.dryRun ? 'would remove' : 'removed'} ${report.removed.length} stale image${report.removed.length === 1 ? '' : 's'} (at most ${formatBytes(report.reclaimedBytes)}); kept ${report.kept.length}.`);
}

async function referencedImageIds(): Promise<Set<string>> {
  const settings = parseSettings(process.env);
  const target = parseRedisTarget(settings);
  const redis = createRedisClient(target, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5_000 });
  try {
    await redis.connect();
    return await new RedisCodeRegistry(redis, new Keys(settings.DOCKHAND_REDIS_PREFIX)).imageIds();
  } catch (err) {
    throw new DhError('DH_ERR_REDIS_UNAVAILABLE', `Redis (${describeRedisTarget(target)}) does not answer (${(err as Error).message}), so Dockhand cannot tell which images code revisions still use; nothing was removed. Set REDIS_URL.`);
  } finally {
    redis.disconnect();
  }
}
