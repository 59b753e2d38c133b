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
import { createContext } from '../src/service/context.ts';

export async function startBenchFleet(env: Record<string, string> = {}, clientOptions: { tracing?: boolean } = {}): Promise<{ client: Dockhand; url: string; token: string; stop: () => Promise<void> }> {
  const prefix = `dhbench:${randomBytes(4).toString('hex')}:`;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-bench-'));
  const settings = parseSettings({ ...process.env, DOCKHAND_REDIS_PREFIX: prefix, DOCKHAND_DATA_DIR: dataDir, DOCKHAND_PORT: '0', DOCKHAND_HOST: '127.0.0.1', DOCKHAND_LOG_LEVEL: 'warn', ...env });
  const ctx = await createContext(settings);
  const worker = await startWorkerRole(ctx, { clusters: ['default'], concurrency: 4, nodeId: `bench-${prefix.split(':')[1]}` });
  const { app, url } = await startServerRole(ctx);
  const { token } = await ctx.projects.create('bench');
  return {
    client: new Dockhand({ url, token, ...clientOptions }),
    url,
    token,
    async stop() {
      await worker.stop();
      await app.close();
      const keys = await ctx.redis.keys(`${prefix}*`);
      for (let i = 0; i < keys.length; i += 500) await ctx.redis.del(...keys.slice(i, i + 500));
      await ctx.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
