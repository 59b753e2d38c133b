/**
 * Makes sure a Redis answers and returns its URL. REDIS_URL wins when set; otherwise Dockhand runs its
 * own redis-server on 127.0.0.1:DOCKHAND_REDIS_PORT (default 6390), daemonized with its files under
 * <data dir>/redis and the durability settings the task queue needs. A Redis already answering on that port is
 * reused, so `up` and the tests share one.
 *
 *   const redisUrl = await ensureRedis({ dataDir, log }); // 'redis://127.0.0.1:6390'
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { DhError } from '../core/errors.ts';
import type { ProgressLog } from './progress.ts';
import { checkRedisDurability } from './redis-durability.ts';
import { fileTail, findExecutable, runStreaming } from './run-command.ts';

export const DEFAULT_REDIS_PORT = 6390;

export interface EnsureRedisOptions {
  dataDir: string;
  log: ProgressLog;
  env?: Record<string, string | undefined>;
}

export async function ensureRedis(options: EnsureRedisOptions): Promise<string> {
  const env = options.env ?? process.env;
  if (env.REDIS_URL) {
    if (!(await pingRedis(env.REDIS_URL, options.log))) {
      throw new DhError('DH_ERR_REDIS_UNAVAILABLE', `Redis at REDIS_URL=${redactUrl(env.REDIS_URL)} does not answer; start it or unset REDIS_URL to let Dockhand run its own.`);
    }
    return env.REDIS_URL;
  }

  const port = parsePort(env.DOCKHAND_REDIS_PORT);
  const url = `redis://127.0.0.1:${port}`;
  if (await pingRedis(url, options.log)) {
    options.log(`reusing the Redis already answering at ${url}`);
    return url;
  }

  const dir = path.join(options.dataDir, 'redis');
  const logFile = path.join(dir, 'redis.log');
  await startRedisServer(dir, port, logFile, options.log);
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (await pingRedis(url, options.log)) return url;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new DhError('DH_ERR_REDIS_UNAVAILABLE', `redis-server on port ${port} did not answer within 15 s; the end of ${logFile}:\n${fileTail(logFile, 10)}`);
}

/** The command line of Dockhand's own Redis: loopback only, AOF every second, never evict. */
export function redisArgs(dir: string, port: number, logFile: string): string[] {
  return [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--appendonly', 'yes',
    '--appendfsync', 'everysec',
    '--maxmemory-policy', 'noeviction',
    '--dir', dir,
    '--daemonize', 'yes',
    '--pidfile', path.join(dir, 'redis.pid'),
    '--logfile', logFile,
  ];
}

/** Runs redis-server daemonized; it forks and exits at once, leaving the server behind. */
async function startRedisServer(dir: string, port: number, logFile: string, log: ProgressLog): Promise<void> {
  const redisServer = findExecutable('redis-server');
  if (!redisServer) {
    throw new DhError('DH_ERR_REDIS_UNAVAILABLE', 'No Redis answers and redis-server is not installed; install redis-server (`apt-get install -y redis-server`) or set REDIS_URL.');
  }
  mkdirSync(dir, { recursive: true });
  log(`starting redis-server on 127.0.0.1:${port} (files: ${dir}, log: ${logFile})`);
  const started = await runStreaming(redisServer, redisArgs(dir, port, logFile));
  if (started.code !== 0) {
    throw new DhError('DH_ERR_REDIS_UNAVAILABLE', `redis-server failed to start (exit ${started.code}): ${started.tail.join(' ')}\n${fileTail(logFile, 10)}`);
  }
}

/** True when Redis at `url` answers PING; logs durability warnings when it does. */
async function pingRedis(url: string, log: ProgressLog): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  redis.on('error', () => {}); // connection errors are the answer we are looking for, not noise
  try {
    await redis.connect();
    await redis.ping();
    for (const warning of await checkRedisDurability(redis)) log(`warning: ${warning}`);
    return true;
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_REDIS_PORT;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new DhError('DH_ERR_CONFIG', `DOCKHAND_REDIS_PORT must be a TCP port number (1-65535), got "${value}".`);
  }
  return port;
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
