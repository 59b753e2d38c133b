/**
 * A Redis master, two replicas and three sentinels of the test's own, on free loopback ports, each in
 * its own directory under a temp dir, run as child processes of the test (never the shared Redis).
 * `failOver()` SIGKILLs the master and waits until the sentinels promoted the replica; `stop()` kills
 * every process it started and removes the directory.
 *
 *   const group = await startSentinelGroup();
 *   process.env.REDIS_URL = group.url;          // redis+sentinel://127.0.0.1:p1,.../dhmaster
 *   const promoted = await group.failOver();
 *   await group.stop();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePorts } from './free-ports.ts';

export const SENTINEL_MASTER = 'dhmaster';

export interface SentinelGroup {
  /** REDIS_URL naming the master through the three sentinels. */
  url: string;
  masterPort: number;
  replicaPort: number;
  /** Kills the current master and resolves with the port of the one the sentinels promoted. */
  failOver(): Promise<{ newMasterPort: number; tookMs: number }>;

  stop(): Promise<void>;
}

export async function startSentinelGroup(): Promise<SentinelGroup> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dh-sentinel-'));
  // Two replicas: after a failover the new master still has one, so WAIT 1 keeps acknowledging.
  const [masterPort, replicaPort, secondReplicaPort, ...sentinelPorts] = await freePorts(6) as [number, number, number, number, number, number];
  const children = new Map<number, ChildProcess>();

  const startServer = async (port: number, extra: string[]): Promise<void> => {
    const home = path.join(dir, String(port));
    await mkdir(home, { recursive: true });
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', home, '--appendonly', 'yes', '--save', '', '--daemonize', 'no', ...extra], { stdio: 'ignore' });
    children.set(port, child);
    await answers(port);
  };
  await startServer(masterPort, []);
  await startServer(replicaPort, ['--replicaof', '127.0.0.1', String(masterPort)]);
  await startServer(secondReplicaPort, ['--replicaof', '127.0.0.1', String(masterPort)]);
  await untilReplicaSynced(replicaPort);
  await untilReplicaSynced(secondReplicaPort);
  for (const port of sentinelPorts) {
    const conf = path.join(dir, `sentinel-${port}.conf`);
    await writeFile(conf, [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${SENTINEL_MASTER} 127.0.0.1 ${masterPort} 2`,
      `sentinel down-after-milliseconds ${SENTINEL_MASTER} 1000`,
      `sentinel failover-timeout ${SENTINEL_MASTER} 10000`,
      `sentinel parallel-syncs ${SENTINEL_MASTER} 1`,
      '',
    ].join('\n'));
    children.set(port, spawn('redis-sentinel', [conf], { stdio: 'ignore' }));
    await answers(port);
  }
  // The sentinels must know the replica (and each other) before a failover can promote it.
  await until('the sentinels to see the replica and each other', async () => {
    const sentinel = client(sentinelPorts[0]);
    try {
      const info = (await sentinel.call('SENTINEL', 'MASTER', SENTINEL_MASTER)) as string[];
      const field = (name: string) => Number(info[info.indexOf(name) + 1]);
      return field('num-slaves') >= 2 && field('num-other-sentinels') >= 2;
    } finally {
      sentinel.disconnect();
    }
  }, 30_000);

  let currentMaster = masterPort;
  return {
    url: `redis+sentinel://${sentinelPorts.map((p) => `127.0.0.1:${p}`).join(',')}/${SENTINEL_MASTER}`,
    masterPort,
    replicaPort,
    async failOver() {
      const started = Date.now();
      children.get(currentMaster)?.kill('SIGKILL');
      const previous = currentMaster;
      const newMasterPort = await until('the sentinels to promote the replica', async () => {
        const sentinel = client(sentinelPorts[0]);
        try {
          const [, port] = (await sentinel.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_MASTER)) as [string, string];
          return Number(port) !== previous ? Number(port) : undefined;
        } finally {
          sentinel.disconnect();
        }
      }, 60_000);
      currentMaster = newMasterPort;
      return { newMasterPort, tookMs: Date.now() - started };
    },
    async stop() {
      for (const child of children.values()) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function client(port: number): Redis {
  const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: false, maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on('error', () => {});
  return redis;
}

async function answers(port: number): Promise<void> {
  await until(`port ${port} to answer`, async () => {
    const redis = client(port);
    try {
      return (await redis.ping()) === 'PONG' ? true : undefined;
    } catch {
      return undefined;
    } finally {
      redis.disconnect();
    }
  }, 15_000);
}

async function untilReplicaSynced(port: number): Promise<void> {
  await until('the replica to sync', async () => {
    const redis = client(port);
    try {
      return /master_link_status:up/.test(await redis.info('replication')) ? true : undefined;
    } finally {
      redis.disconnect();
    }
  }, 30_000);
}

async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
