/**
 * Acknowledge only what a failover cannot lose. Redis replicates asynchronously: a write the master
 * took but had not yet sent to its replica is gone when Sentinel promotes that replica. `WAIT n t`
 * blocks until n replicas confirmed every write this connection made so far, so a task is answered
 * "queued" only once a replica holds it (DOCKHAND_REDIS_WAIT_REPLICAS). It does not make Redis
 * strongly consistent (a replica that confirmed but is not the one promoted still loses it), which
 * docs/operations.md#redis-high-availability spells out.
 *
 *   await waitForReplicas(ctx.redis, 1, 2000);
 */
import type { Redis } from 'ioredis';
import { DhError } from '../../../core/errors.ts';

/** `what` names the write in the error, e.g. `task 65f…` so the caller can look it up after a failover. */
export async function waitForReplicas(redis: Redis, replicas: number, timeoutMs: number, what = 'the write'): Promise<void> {
  if (replicas <= 0) return;
  const confirmed = Number(await redis.wait(replicas, timeoutMs));
  if (confirmed < replicas) {
    throw new DhError(
      'DH_ERR_REDIS_UNAVAILABLE',
      `Only ${confirmed} of ${replicas} Redis replica(s) confirmed ${what} within ${timeoutMs} ms (DOCKHAND_REDIS_WAIT_REPLICAS), so a failover could lose it and it is not acknowledged; read it back before queueing again, and check the replicas (INFO replication).`,
    );
  }
}
