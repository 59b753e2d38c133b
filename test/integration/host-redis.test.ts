/**
 * Dockhand's own Redis: started with the durability settings BullMQ needs, reused when already up,
 * and a REDIS_URL that does not answer reported as such. Each test uses its own port and data dir.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DhError } from '../../src/core/errors.ts';
import { checkRedisDurability } from '../../src/host/redis-durability.ts';
import { ensureRedis } from '../../src/host/redis-server.ts';

let dataDir: string;
let port: number;
const started: Redis[] = [];

/** A port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function client(url: string): Redis {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on('error', () => {}); // the shutdown in afterEach drops the connection on purpose
  started.push(redis);
  return redis;
}

/**
 * `redis-server --daemonize yes` returns before the server listens, and these clients do not retry,
 * so a first connect can meet a closed port: try again until it answers.
 */
async function connectWhenListening(redis: Redis): Promise<void> {
  await expect.poll(() => redis.connect().then(() => true, () => false), { timeout: 10_000 }).toBe(true);
}

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-redis-'));
  port = await freePort();
});

afterEach(async () => {
  for (const redis of started.splice(0)) {
    await redis.call('SHUTDOWN', 'NOSAVE').catch(() => {}); // the reply never comes: the server is gone
    redis.disconnect();
  }
  await rm(dataDir, { recursive: true, force: true });
});

describe('ensureRedis', () => {
  it('starts a Redis on loopback with AOF every second and noeviction, files under the data dir', async () => {
    const lines: string[] = [];
    const url = await ensureRedis({ dataDir, log: (line) => lines.push(line), env: { DOCKHAND_REDIS_PORT: String(port) } });
    expect(url).toBe(`redis://127.0.0.1:${port}`);
    expect(lines.join('\n')).toContain('starting redis-server');
    const redis = client(url);
    await redis.connect();
    expect(await checkRedisDurability(redis)).toEqual([]);
    expect(await redis.config('GET', 'bind')).toEqual(['bind', '127.0.0.1']);
    expect(await redis.config('GET', 'dir')).toEqual(['dir', path.join(dataDir, 'redis')]);
    const pid = Number((await readFile(path.join(dataDir, 'redis', 'redis.pid'), 'utf8')).trim());
    expect(pid).toBeGreaterThan(0);
  });

  it('reuses the Redis already answering on its port instead of starting another', async () => {
    const url = await ensureRedis({ dataDir, log: () => {}, env: { DOCKHAND_REDIS_PORT: String(port) } });
    const redis = client(url);
    await redis.connect();
    const runId = (await redis.info('server')).match(/run_id:(\w+)/)?.[1];
    const lines: string[] = [];
    expect(await ensureRedis({ dataDir, log: (line) => lines.push(line), env: { DOCKHAND_REDIS_PORT: String(port) } })).toBe(url);
    expect(lines.join('\n')).toContain('reusing');
    expect((await redis.info('server')).match(/run_id:(\w+)/)?.[1]).toBe(runId);
  });

  it('replaces its own Redis when that one lost its directory and refuses writes, instead of reusing it', async () => {
    const url = await ensureRedis({ dataDir, log: () => {}, env: { DOCKHAND_REDIS_PORT: String(port) } });
    const stale = client(url);
    await stale.connect();
    const staleRunId = (await stale.info('server')).match(/run_id:(\w+)/)?.[1];
    // What a deleted clone leaves behind: the server runs on, a snapshot fails, and writes are refused.
    await rm(path.join(dataDir, 'redis'), { recursive: true, force: true });
    await stale.bgsave();
    await expect.poll(async () => (await stale.info('persistence')).match(/rdb_last_bgsave_status:(\w+)/)?.[1], { timeout: 10_000 }).toBe('err');
    await expect(stale.set('k', 'v')).rejects.toThrow(/MISCONF/);

    const lines: string[] = [];
    expect(await ensureRedis({ dataDir, log: (line) => lines.push(line), env: { DOCKHAND_REDIS_PORT: String(port) } })).toBe(url);
    expect(lines.join('\n')).toMatch(/no longer exists; stopping it/);
    const fresh = client(url);
    await fresh.connect();
    expect((await fresh.info('server')).match(/run_id:(\w+)/)?.[1]).not.toBe(staleRunId);
    expect(await fresh.set('k', 'v')).toBe('OK');
  });

  it('reports a REDIS_URL that answers but refuses writes, and leaves it running', async () => {
    const run = spawnSync('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--replicaof', '127.0.0.1', '1', '--daemonize', 'yes', '--dir', dataDir]);
    expect(run.status).toBe(0);
    const redis = client(`redis://127.0.0.1:${port}`);
    await connectWhenListening(redis);
    await expect(ensureRedis({ dataDir, log: () => {}, env: { REDIS_URL: `redis://127.0.0.1:${port}` } }))
      .rejects.toMatchObject({ code: 'DH_ERR_REDIS_UNAVAILABLE', message: expect.stringMatching(/refuses writes \(READONLY/) });
    expect(await redis.ping()).toBe('PONG');
  });

  it('reports a REDIS_URL that does not answer, without starting anything', async () => {
    let error: DhError | undefined;
    try {
      await ensureRedis({ dataDir, log: () => {}, env: { REDIS_URL: `redis://127.0.0.1:${port}` } });
    } catch (err) {
      error = err as DhError;
    }
    expect(error?.code).toBe('DH_ERR_REDIS_UNAVAILABLE');
    expect(error?.message).toContain(`REDIS_URL=redis://127.0.0.1:${port}`);
    expect(existsSync(path.join(dataDir, 'redis'))).toBe(false);
  });
});

describe('checkRedisDurability', () => {
  it('warns about a Redis that runs without AOF and may evict keys', async () => {
    const run = spawnSync('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'allkeys-lru', '--daemonize', 'yes', '--dir', dataDir]);
    expect(run.status).toBe(0);
    const redis = client(`redis://127.0.0.1:${port}`);
    await connectWhenListening(redis);
    const warnings = await checkRedisDurability(redis);
    expect(warnings).toHaveLength(2);
    expect(warnings.join('\n')).toMatch(/appendonly yes/);
    expect(warnings.join('\n')).toMatch(/allkeys-lru/);
  });
});
