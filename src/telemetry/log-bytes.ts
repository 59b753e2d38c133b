/**
 * Counts the bytes of task output written to a LogStore (dockhand_log_bytes_total, by stream) by
 * wrapping the store, so every writer is counted without knowing about metrics.
 *
 *   const logs = countLogBytes(new RedisLogStore(redis, keys), metrics);
 */
import type { LogStore } from '../store/ports.ts';
import type { DockhandMetrics } from './metrics.ts';

export function countLogBytes(inner: LogStore, metrics: DockhandMetrics): LogStore {
  return {
    async append(taskId, entries) {
      await inner.append(taskId, entries);
      for (const entry of entries) {
        const bytes = typeof entry.data === 'string' ? Buffer.byteLength(entry.data) : entry.data.length;
        metrics.logBytes.inc({ stream: entry.stream }, bytes);
      }
    },
    read: (taskId, after, limit) => inner.read(taskId, after, limit),
    follow: (taskId, after, blockMs) => inner.follow(taskId, after, blockMs),
    follower: (taskId) => inner.follower(taskId),
    text: (taskId) => inner.text(taskId),
    expire: (taskId, seconds) => inner.expire(taskId, seconds),
  };
}
