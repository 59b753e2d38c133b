/**
 * Checks the two Redis settings the task queue relies on not to lose tasks: AOF persistence and the
 * `noeviction` memory policy. Dockhand warns at start rather than refusing, since a managed Redis may
 * hide CONFIG.
 *
 *   for (const warning of await checkRedisDurability(redis)) logger.warn(warning);
 */
import type { Redis } from 'ioredis';

/** Pure: the warnings for a set of Redis settings (as CONFIG GET returns them). */
export function durabilityWarnings(config: Readonly<Record<string, string | undefined>>): string[] {
  const warnings: string[] = [];
  if (config.appendonly !== 'yes') {
    warnings.push('Redis runs without AOF (appendonly is not "yes"): queued tasks can be lost on a restart; set `appendonly yes` and `appendfsync everysec`.');
  } else if (config.appendfsync === 'no') {
    warnings.push('Redis AOF is on but appendfsync is "no": the last seconds of queue changes can be lost on a crash; set `appendfsync everysec`.');
  }
  const policy = config['maxmemory-policy'];
  if (policy !== 'noeviction') {
    warnings.push(`Redis maxmemory-policy is "${policy ?? 'unknown'}": under memory pressure Redis may evict queue keys and lose tasks; set \`maxmemory-policy noeviction\`.`);
  }
  return warnings;
}

export async function checkRedisDurability(redis: Redis): Promise<string[]> {
  const config: Record<string, string> = {};
  try {
    for (const name of ['appendonly', 'appendfsync', 'maxmemory-policy']) {
      const pair = (await redis.config('GET', name)) as string[];
      if (pair.length >= 2) config[pair[0]!] = pair[1]!;
    }
  } catch (err) {
    return [`Could not read the Redis configuration (${(err as Error).message}); make sure it runs with \`appendonly yes\` and \`maxmemory-policy noeviction\`.`];
  }
  return durabilityWarnings(config);
}
