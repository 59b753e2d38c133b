/**
 * A whole fleet of separate processes for the chaos matrix and the soak: a Redis of the run's own
 * (loopback port, AOF, its own directory: faults may restart or freeze it without touching the shared
 * one), two Docker engines of its own (test/helpers/second-engine.ts: own data roots and network
 * namespaces, the base test image copied in), two `dockhand server` processes and two `dockhand
 * worker` processes, one per engine, and a project. Nothing of the shared engine or Redis is touched
 * beyond reading the base image to copy it. The servers' code store is a 32 MB tmpfs of the run's own,
 * so a fault can fill it. Everything it starts is stopped by `stop()` (the tmpfs unmounted), and every
 * container of the run's packages is removed.
 *
 *   const fleet = await startChaosFleet();
 *   await fleet.stop();
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { Redis } from 'ioredis';
import { parseSettings } from '../../src/core/settings.ts';
import { Dockhand } from '../../src/sdk/index.ts';
import { createContext, type AppContext } from '../../src/service/context.ts';
import { ensureBaseImage } from '../helpers/docker.ts';
import { freePorts } from '../helpers/free-ports.ts';
import { startSecondEngine, type SecondEngine } from '../helpers/second-engine.ts';

const REPO = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(REPO, 'bin/dockhand.js');
export const CHAOS_IMAGE = 'dockhand-base:test';

export interface Proc {
  name: string;
  child: ChildProcess;
  log(): string;
  exited: Promise<void>;
}

export interface ChaosFleet {
  run: string;
  ctx: AppContext;
  /** The engines of worker 0 and worker 1. */
  engines: SecondEngine[];
  redisPort: number;
  /** The servers' code store: a size-capped tmpfs (CODE_STORE_MB) mounted for the run. */
  codeDir: string;
  redis: Proc;
  servers: (Proc & { url: string })[];
  workers: Proc[];
  /** A client that tries the next server when one does not answer, as a client behind a balancer would. */
  client(): Dockhand;
  clients: Dockhand[];
  startRedis(): Promise<void>;
  startServer(index: number): Promise<void>;
  /** `faketime`: run the worker under libfaketime with this offset (e.g. '+30s'): its clock is off. */
  startWorker(index: number, options?: { faketime?: string }): Promise<void>;
  stop(): Promise<void>;
}

export const CODE_STORE_MB = 32;
const run$ = promisify(execFile);

/** `images`: more images of the main engine each engine of the run gets (the soak's stack images). */
export async function startChaosFleet(options: { workerConcurrency?: number; images?: string[] } = {}): Promise<ChaosFleet> {
  // The image the run's engines get a copy of: built from dockerfiles/base when no suite has yet.
  await ensureBaseImage(CHAOS_IMAGE);
  const run = randomBytes(3).toString('hex');
  const dir = await mkdtemp(path.join(tmpdir(), `dh-chaos-${run}-`));
  const [redisPort, ...serverPorts] = await freePorts(3) as [number, number, number];
  const codeDir = path.join(dir, 'code');
  await mkdir(codeDir);
  await run$('mount', ['-t', 'tmpfs', '-o', `size=${CODE_STORE_MB}m,mode=0700`, `dh-chaos-${run}`, codeDir]);
  const env = {
    ...process.env,
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    DOCKHAND_REDIS_PREFIX: `dhchaos:${run}:`,
    DOCKHAND_DATA_DIR: dir,
    DOCKHAND_CODE_DIR: codeDir,
    DOCKHAND_HOST: '127.0.0.1',
    DOCKHAND_MIN_RUN_EVERY: '1',
    DOCKHAND_HEARTBEAT_MS: '500',
    DOCKHAND_NODE_TTL_MS: '6000',
    DOCKHAND_RECONCILE_MS: '5000',
    DOCKHAND_DRAIN_TIMEOUT_S: '5',
    DOCKHAND_RATE_LIMIT: '0',
    DOCKHAND_LOG_LEVEL: 'warn',
    DOCKHAND_LOG_FORMAT: 'json',
  };
  const fleet = {} as ChaosFleet;
  const spawnProc = (name: string, command: string, args: string[], extraEnv: Record<string, string> = {}): Proc => {
    const child = spawn(command, args, { cwd: REPO, env: { ...env, ...extraEnv }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString('utf8')).slice(-200_000); });
    return { name, child, log: () => stderr, exited: new Promise((resolve) => child.once('exit', () => resolve())) };
  };
  fleet.run = run;
  fleet.redisPort = redisPort;
  fleet.codeDir = codeDir;
  const images = [CHAOS_IMAGE, ...(options.images ?? [])];
  fleet.engines = await Promise.all([startSecondEngine({ images }), startSecondEngine({ images })]);
  fleet.servers = [];
  fleet.workers = [];
  fleet.startRedis = async () => {
    fleet.redis = spawnProc('redis', 'redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--maxmemory-policy', 'noeviction']);
    await waitUntil(`redis on ${redisPort}`, () => pingRedis(redisPort), 15_000);
  };
  fleet.stop = async () => {
    for (const proc of [...fleet.workers, ...fleet.servers]) proc?.child.kill('SIGKILL');
    await fleet.ctx?.close();
    fleet.redis?.child.kill('SIGKILL');
    await Promise.all(fleet.engines.map((engine) => engine.stop()));
    await run$('umount', [codeDir]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await fleet.startRedis();
    fleet.ctx = await createContext(parseSettings({ ...env, DOCKHAND_LOG_LEVEL: 'fatal' }));
    const { token } = await fleet.ctx.projects.create(`chaos-${run}`);
    fleet.startServer = async (index: number) => {
      const port = serverPorts[index]!;
      const proc = spawnProc(`server-${index}`, process.execPath, [BIN, 'server'], { DOCKHAND_PORT: String(port) });
      fleet.servers[index] = { ...proc, url: `http://127.0.0.1:${port}` };
      await waitUntil(`server ${index}`, async () => ((await fetchOk(`http://127.0.0.1:${port}/metrics`)) ? true : undefined), 120_000);
    };
    fleet.startWorker = async (index: number, how: { faketime?: string } = {}) => {
      const nodeId = `chaos-${run}-${index}`;
      const args = [BIN, 'worker', '--node-id', nodeId, '--concurrency', String(options.workerConcurrency ?? 4), '--drain-timeout', '5'];
      // Debian's faketime package: what `faketime -f +30s node ...` does (LD_PRELOAD of libfaketime), set
      // here directly so the worker stays this process's child and faults can signal it.
      fleet.workers[index] = spawnProc(nodeId, process.execPath, args, {
        DOCKER_HOST: fleet.engines[index]!.dockerHost,
        ...(how.faketime ? { LD_PRELOAD: libfaketime(), FAKETIME: how.faketime, FAKETIME_DONT_RESET: '1' } : {}),
      });
      await waitUntil(`worker ${index}`, async () => ((await fleet.ctx.nodes.get(nodeId))?.state === 'running' ? true : undefined), 60_000);
    };
    await Promise.all([fleet.startServer(0), fleet.startServer(1)]);
    await fleet.startWorker(0);
    await fleet.startWorker(1);
    fleet.clients = fleet.servers.map((s) => new Dockhand({ url: s.url, token }));
    let next = 0;
    fleet.client = () => fleet.clients[next++ % fleet.clients.length]!;
  } catch (err) {
    // A fleet that did not come up whole leaves nothing running.
    await fleet.stop();
    throw err;
  }
  return fleet;
}

/** libfaketime of Debian's faketime package (its multithreaded form: node runs threads). */
function libfaketime(): string {
  for (const dir of ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib']) {
    const lib = path.join(dir, 'faketime', 'libfaketimeMT.so.1');
    if (existsSync(lib)) return lib;
  }
  throw new Error('libfaketime not found: apt-get install faketime');
}

/** Dockhand's task containers on the fleet's engines (running ones only, or all). */
export async function listTaskContainers(fleet: ChaosFleet, runningOnly = false): Promise<Docker.ContainerInfo[]> {
  const lists = await Promise.all(fleet.engines.map((engine) => engine.docker.listContainers({ all: !runningOnly, filters: { label: ['dockhand.task'] } })));
  return lists.flat();
}

async function fetchOk(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

async function pingRedis(port: number): Promise<true | undefined> {
  const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG' ? true : undefined;
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
}

export async function waitUntil<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
