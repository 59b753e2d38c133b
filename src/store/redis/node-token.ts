/**
 * The node token: the secret a worker presents to fetch code archives by sha256 from the API
 * (GET /v1/archives/:sha256). It lives in Redis, created once by whichever process asks first
 * (SET NX), so there is nothing to distribute: every worker and server already reaches Redis, and
 * whoever can read Redis can read every task anyway. Project tokens do not open archives by hash,
 * because an archive is not tied to one project's name space.
 *
 *   const token = await nodeToken(redis, keys);
 */
import type { Redis } from 'ioredis';
import { newToken } from '../../core/ids.ts';
import type { Keys } from './keys.ts';

export async function nodeToken(redis: Redis, keys: Keys): Promise<string> {
  await redis.set(keys.nodeToken(), newToken(), 'NX');
  const token = await redis.get(keys.nodeToken());
  if (!token) throw new Error('the node token vanished from Redis right after it was written');
  return token;
}
