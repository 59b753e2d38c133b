/**
 * An all-in-one fleet for benchmarks: API on a free port and a worker, with a private Redis key
 * prefix and data dir, torn down afterwards. Uses the Redis and Docker engine `npm test` provisions.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseSettings } from '../src/core/settings.ts';
import { startServerRole } from '../src/roles/server-role.ts';
import { startWorkerRole } from '../src/roles/worker-role.ts';
import { Dockhand } from '../src/sdk/index.ts';
import { createContext, type AppContext } from '../src/service/context.ts';

export interface BenchFleetOptions {
  /** Task slots of the worker; absent: 4. */
  concurrency?: number;
  /** Warm containers the worker keeps; absent: none. */
  warm?: number;
  /** false: an API with no worker (tasks stay queued). */
  worker?: boolean;
}

export interface BenchFleet {
  ctx: AppContext;
  prefix: string;
  dataDir: string;
  client: Dockhand;
  url: string;
  token: string;
  stop: () => Promise<void>;
}

export async function startBenchFleet(env: Record<string, string> = {}, clientOptions: { tracing?: boolean } = {}, options: BenchFleetOptions = {}): Promise<BenchFleet> {
  const prefix = `dhbench:${randomBytes(4).toString('hex')}:`;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-bench-'));
  const settings = parseSettings({ ...process.env, DOCKHAND_REDIS_PREFIX: prefix, DOCKHAND_DATA_DIR: dataDir, DOCKHAND_PORT: '0', DOCKHAND_HOST: '127.0.0.1', DOCKHAND_LOG_LEVEL: 'warn', ...env });
  const ctx = await createContext(settings);
  const worker = options.worker === false
    ? undefined
    : await startWorkerRole(ctx, { clusters: ['default'], concurrency: options.concurrency ?? 4, nodeId: `bench-${prefix.split(':')[1]}`, warm: options.warm ?? 0 });
  const { app, url } = await startServerRole(ctx);
  const { token } = await ctx.projects.create('bench');
  return {
    ctx,
    prefix,
    dataDir,
    client: new Dockhand({ url, token, ...clientOptions }),
    url,
    token,
    async stop() {
      await worker?.stop();
      await app.close();
      const keys = await ctx.redis.keys(`${prefix}*`);
      for (let i = 0; i < keys.length; i += 500) await ctx.redis.del(...keys.slice(i, i + 500));
      await ctx.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
