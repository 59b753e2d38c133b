/**
 * Makes sure a Redis answers and returns its URL. REDIS_URL wins when set; otherwise Dockhand runs its
 * own redis-server on 127.0.0.1:DOCKHAND_REDIS_PORT (default 6390), daemonized with its files under
 * <data dir>/redis and the durability settings the task queue needs. A Redis already answering on that port is
 * reused, so `up` and the tests share one, unless it can no longer write: one whose files were deleted
 * under it (its data directory removed while it ran) refuses every write, so Dockhand stops it and
 * starts a fresh one rather than failing every task with MISCONF.
 *
 *   const redisUrl = await ensureRedis({ dataDir, log }); // 'redis://127.0.0.1:6390'
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { ReplyError, type Redis } from 'ioredis';
import { DhError } from '../core/errors.ts';
import { createRedisClient } from '../store/redis/connection/redis-client.ts';
import { parseRedisTarget } from '../store/redis/connection/redis-target.ts';
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
    const found = await probeRedis(env.REDIS_URL, options.log);
    if (found.state === 'down') {
      throw new DhError('DH_ERR_REDIS_UNAVAILABLE', `Redis at REDIS_URL=${redactUrl(env.REDIS_URL)} does not answer; start it or unset REDIS_URL to let Dockhand run its own.`);
    }
    if (found.state === 'unwritable') {
      throw new DhError('DH_ERR_REDIS_UNAVAILABLE', `Redis at REDIS_URL=${redactUrl(env.REDIS_URL)} answers but refuses writes (${found.reason}); fix it (its log says why) or unset REDIS_URL to let Dockhand run its own.`);
    }
    return env.REDIS_URL;
  }

  const port = parsePort(env.DOCKHAND_REDIS_PORT);
  const url = `redis://127.0.0.1:${port}`;
  const found = await probeRedis(url, options.log);
  if (found.state === 'ok') {
    options.log(`reusing the Redis already answering at ${url}`);
    return url;
  }
  if (found.state === 'unwritable') await replaceUnwritable(url, found, options.log);

  const dir = path.join(options.dataDir, 'redis');
  const logFile = path.join(dir, 'redis.log');
  await startRedisServer(dir, port, logFile, options.log);
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if ((await probeRedis(url, options.log)).state === 'ok') return url;
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

/** A client for one question: no retries, no queueing; its connection errors are answers, not noise. */
function oneShotClient(url: string): Redis {
  const redis = createRedisClient(parseRedisTarget({ REDIS_URL: url }), { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  redis.on('error', () => {});
  return redis;
}

type RedisProbe =
  | { state: 'down' }
  | { state: 'ok' }
  /** Answers, but a write fails; `dir` is where it keeps its files, when CONFIG shows it. */
  | { state: 'unwritable'; reason: string; dir: string | undefined };

/** Whether Redis at `url` answers and takes a write; logs durability warnings when it answers. */
async function probeRedis(url: string, log: ProgressLog): Promise<RedisProbe> {
  const redis = oneShotClient(url);
  try {
    await redis.connect();
    // A reply, even an error (a Redis that cannot save answers PING with MISCONF), means it runs.
    await redis.ping().catch((err: unknown) => {
      if (!(err instanceof ReplyError)) throw err;
    });
  } catch {
    redis.disconnect();
    return { state: 'down' };
  }
  try {
    for (const warning of await checkRedisDurability(redis)) log(`warning: ${warning}`);
    // A Redis that lost its files (or a read-only replica) still answers PING but refuses writes.
    await redis.set('dockhand:write-probe', String(Date.now()), 'PX', 1000);
    return { state: 'ok' };
  } catch (err) {
    const message = (err as Error).message;
    // Only a server-wide refusal counts; an ACL that forbids this key says nothing about the queue's.
    if (!/^(MISCONF|READONLY|OOM)\b/.test(message)) return { state: 'ok' };
    const reason = message.split('.')[0] ?? message;
    // A server whose working directory was deleted reports it as '' (getcwd fails).
    const dir = await redis.config('GET', 'dir').then((pair) => (pair as string[])[1], () => undefined);
    return { state: 'unwritable', reason, dir };
  } finally {
    redis.disconnect();
  }
}

/**
 * Dockhand's own port holds a Redis that cannot write. When its files are gone (the data directory it
 * was started in was deleted) nothing on it can be saved either, so it is stopped and a fresh one
 * started in its place; any other cause is the operator's to look at, so it is reported, not touched.
 */
async function replaceUnwritable(url: string, found: { reason: string; dir: string | undefined }, log: ProgressLog): Promise<void> {
  if (found.dir === undefined || (found.dir !== '' && existsSync(found.dir))) {
    throw new DhError('DH_ERR_REDIS_UNAVAILABLE', `The Redis at ${url} answers but refuses writes (${found.reason}); see its log${found.dir ? ` in ${found.dir}` : ''}, or stop it so Dockhand can start its own.`);
  }
  log(`the Redis at ${url} refuses writes because its directory ${found.dir || '(deleted)'} no longer exists; stopping it to start a fresh one`);
  const redis = oneShotClient(url);
  await redis.connect().then(() => redis.call('SHUTDOWN', 'NOSAVE')).catch(() => undefined);
  redis.disconnect();
  const deadline = Date.now() + 10_000;
  while ((await probeRedis(url, () => {})).state !== 'down') {
    if (Date.now() > deadline) throw new DhError('DH_ERR_REDIS_UNAVAILABLE', `The Redis at ${url} did not stop within 10 s; stop it by hand (redis-cli -u ${url} shutdown nosave).`);
    await new Promise((resolve) => setTimeout(resolve, 100));
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
