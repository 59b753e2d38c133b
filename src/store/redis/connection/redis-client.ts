/**
 * The one place a Redis client is made: every process role, CLI action and probe goes through here,
 * so a Sentinel-managed master works everywhere REDIS_URL does. For Sentinel, ioredis asks the
 * sentinels for the master, reconnects to the new one after a failover (it also listens for the
 * sentinels' +switch-master), and a write that reaches a demoted master (READONLY) reconnects and is
 * sent again rather than failing.
 *
 *   const redis = createRedisClient(parseRedisTarget(settings), { maxRetriesPerRequest: null, lazyConnect: true });
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { RedisTarget } from './redis-target.ts';

export function createRedisClient(target: RedisTarget, options: RedisOptions = {}): Redis {
  if (target.kind === 'server') return new Redis(target.url, options);
  return new Redis({
    ...options,
    sentinels: target.sentinels,
    name: target.master,
    ...(target.password ? { password: target.password } : {}),
    ...(target.db !== undefined ? { db: target.db } : {}),
    failoverDetector: true,
    // A demoted master answers writes with READONLY until the client moves: reconnect (2 = and resend).
    reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
  });
}
