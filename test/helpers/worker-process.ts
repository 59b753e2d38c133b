/**
 * Worker nodes as separate `dockhand worker` processes, as an operator runs them: each with its own
 * node id, clusters, labels, slots and Docker engine, all sharing the test fleet's Redis prefix and
 * code store. Fast heartbeats keep crash tests short.
 *
 *   const node = await startWorkerProcess(fleet, { nodeId: 'a', clusters: ['default'], labels: ['region=eu'] });
 *   node.kill('SIGTERM'); expect((await node.exited).code).toBe(0);
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './cli.ts';
import type { TestFleet } from './fleet.ts';

const BIN = path.join(REPO_ROOT, 'bin/dockhand.js');

/** Heartbeat and time-to-live of test nodes: a killed node is lost after 6 s (a loaded machine's event loops lag). */
export const TEST_TIMING = { heartbeatMs: 500, ttlMs: 6000 } as const;

export interface WorkerProcessOptions {
  nodeId: string;
  clusters?: string[];
  labels?: string[];
  concurrency?: number;
  memory?: string;
  placement?: string[];
  drainTimeout?: number;
  dockerHost?: string;
  env?: Record<string, string>;
}

export interface WorkerProcess {
  nodeId: string;
  child: ChildProcess;
  /** Everything the process wrote to stderr so far (its structured log). */
  log(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL if it has not exited in time; resolves once it has. */
  stop(): Promise<void>;
}

export async function startWorkerProcess(fleet: TestFleet, options: WorkerProcessOptions): Promise<WorkerProcess> {
  const args = [BIN, 'worker', '--node-id', options.nodeId, '--cluster', (options.clusters ?? ['default']).join(',')];
  for (const label of options.labels ?? []) args.push('--label', label);
  if (options.concurrency !== undefined) args.push('--concurrency', String(options.concurrency));
  if (options.memory !== undefined) args.push('--memory', options.memory);
  for (const placement of options.placement ?? []) args.push('--placement', placement);
  if (options.drainTimeout !== undefined) args.push('--drain-timeout', String(options.drainTimeout));
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      REDIS_URL: fleet.ctx.settings.REDIS_URL ?? 'redis://127.0.0.1:6390',
      DOCKHAND_REDIS_PREFIX: fleet.prefix,
      DOCKHAND_DATA_DIR: fleet.dataDir,
      DOCKHAND_HEARTBEAT_MS: String(TEST_TIMING.heartbeatMs),
      DOCKHAND_NODE_TTL_MS: String(TEST_TIMING.ttlMs),
      DOCKHAND_RECONCILE_MS: '5000',
      DOCKHAND_LOG_LEVEL: 'info',
      ...(options.dockerHost ? { DOCKER_HOST: options.dockerHost } : {}),
      ...options.env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const worker: WorkerProcess = {
    nodeId: options.nodeId,
    child,
    log: () => stderr,
    exited,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    async stop() {
      worker.kill('SIGTERM');
      const timer = setTimeout(() => worker.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
  // Ready once the node is on record as running.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const node = await fleet.ctx.nodes.get(options.nodeId);
    if (node?.state === 'running' && stderr.includes('worker node running')) return worker;
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`worker ${options.nodeId} exited before it was ready:\n${stderr}`);
    if (Date.now() > deadline) {
      worker.kill('SIGKILL');
      throw new Error(`worker ${options.nodeId} did not come up within 60 s:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
