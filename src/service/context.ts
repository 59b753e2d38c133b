/**
 * Everything a server or worker process shares, wired once: settings, Redis adapters, the task queues,
 * the code store and the stack catalogue. Roles take the parts they need from here.
 */
import type { Redis } from 'ioredis';
import path from 'node:path';
import type { Settings } from '../core/settings.ts';
import { DhError } from '../core/errors.ts';
import { TaskQueue } from '../queue/task-queue.ts';
import type { CodeRegistry, LogStore, NodeRegistry, ProjectStore, ScheduleStore, TaskStore } from '../store/ports.ts';
import { Keys } from '../store/redis/keys.ts';
import { createRedisClient } from '../store/redis/connection/redis-client.ts';
import { reportConnectionErrors } from '../store/redis/connection/connection-errors.ts';
import { describeRedisTarget, parseRedisTarget } from '../store/redis/connection/redis-target.ts';
import { RedisCodeRegistry } from '../store/redis/redis-code-registry.ts';
import { RedisEvents } from '../store/redis/redis-events.ts';
import { RedisLogStore } from '../store/redis/redis-log-store.ts';
import { RedisNodeRegistry } from '../store/redis/redis-node-registry.ts';
import { RedisProjectStore } from '../store/redis/redis-project-store.ts';
import { RedisScheduleStore } from '../store/redis/redis-schedule-store.ts';
import { RedisTaskStore } from '../store/redis/redis-task-store.ts';
import { FsCodeStore } from '../store/code-store/fs-code-store.ts';
import type { CodeStore } from '../store/code-store/port.ts';
import { FetchingCodeStore } from '../store/code-store/fetching-code-store.ts';
import { nodeToken } from '../store/redis/node-token.ts';
import { loadStackCatalog, type StackCatalog } from '../stacks/catalog.ts';
import { createLogger, type Logger } from '../telemetry/logger.ts';
import { countLogBytes } from '../telemetry/log-bytes.ts';
import { DockhandMetrics } from '../telemetry/metrics.ts';
import { Telemetry } from '../telemetry/telemetry.ts';

export interface AppContext {
  settings: Settings;
  redis: Redis;
  keys: Keys;
  tasks: TaskStore;
  codes: CodeRegistry;
  projects: ProjectStore;
  logs: LogStore;
  schedules: ScheduleStore;
  nodes: NodeRegistry;
  events: RedisEvents;
  queue: TaskQueue;
  codeStore: CodeStore;
  catalog: StackCatalog;
  logger: Logger;
  /** Prometheus metrics of this process. */
  metrics: DockhandMetrics;
  /** Tracing: spans to the embedded store and, when configured, an OTLP collector. */
  telemetry: Telemetry;
  /** Directory for temporary files (upload spooling); inside the data dir so renames stay on one disk. */
  tmpDir: string;
  close(): Promise<void>;
}

/** `catalog`: the stack catalogue to use instead of the project's own (tests with stacks of their own). */
export async function createContext(settings: Settings, options: { logger?: Logger; catalog?: StackCatalog } = {}): Promise<AppContext> {
  const target = parseRedisTarget(settings);
  // Blocking reads (log follow) must not be cut off by a retry limit: requests wait for a reconnect.
  const redis = createRedisClient(target, { maxRetriesPerRequest: null, lazyConnect: true });
  const logger = options.logger ?? createLogger(settings.DOCKHAND_LOG_LEVEL, { format: settings.DOCKHAND_LOG_FORMAT });
  // One warning per outage and one line when it is back, instead of an unhandled 'error' per reconnect try.
  reportConnectionErrors(redis, logger, 'redis');
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new DhError('DH_ERR_REDIS_UNAVAILABLE', `Redis (${describeRedisTarget(target)}) does not answer (${(err as Error).message}); start redis-server or set REDIS_URL.`);
  }
  const keys = new Keys(settings.DOCKHAND_REDIS_PREFIX);
  const dataDir = path.resolve(settings.DOCKHAND_DATA_DIR);
  const events = new RedisEvents(redis, keys);
  const queue = new TaskQueue(redis, keys);
  const metrics = new DockhandMetrics();
  const telemetry = new Telemetry({ settings, redis, keys, logger, metrics });
  metrics.trackQueueDepth(() => queueDepths(queue));
  return {
    settings,
    redis,
    keys,
    tasks: new RedisTaskStore(redis, keys),
    codes: new RedisCodeRegistry(redis, keys),
    projects: new RedisProjectStore(redis, keys),
    logs: countLogBytes(new RedisLogStore(redis, keys), metrics),
    schedules: new RedisScheduleStore(redis, keys),
    nodes: new RedisNodeRegistry(redis, keys, settings.DOCKHAND_NODE_TTL_MS),
    events,
    queue,
    codeStore: codeStoreOf(settings, dataDir, redis, keys),
    catalog: options.catalog ?? (await loadStackCatalog()),
    logger,
    metrics,
    telemetry,
    tmpDir: path.join(dataDir, 'tmp'),
    async close() {
      await telemetry.shutdown();
      await events.close();
      redis.disconnect();
    },
  };
}

/**
 * The directory store (DOCKHAND_CODE_DIR or <data dir>/code); with DOCKHAND_API_URL (a worker node
 * that does not share the server's directory), archives it lacks are fetched from the API and cached.
 */
function codeStoreOf(settings: Settings, dataDir: string, redis: Redis, keys: Keys): CodeStore {
  const local = new FsCodeStore(settings.DOCKHAND_CODE_DIR ?? path.join(dataDir, 'code'));
  if (!settings.DOCKHAND_API_URL) return local;
  return new FetchingCodeStore({
    local,
    cache: new FsCodeStore(path.join(dataDir, 'code-cache')),
    apiUrl: settings.DOCKHAND_API_URL,
    token: () => nodeToken(redis, keys),
    capBytes: settings.DOCKHAND_CODE_CACHE_MB * 1024 * 1024,
  });
}

/** Depth of every cluster's queue that has ever had a task, for the dockhand_queue_depth gauge. */
async function queueDepths(queue: TaskQueue): Promise<Record<string, number>> {
  const depths: Record<string, number> = {};
  for (const cluster of await queue.clusters()) depths[cluster] = await queue.depth(cluster);
  return depths;
}
