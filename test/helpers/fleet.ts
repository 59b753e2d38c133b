/**
 * A whole Dockhand in the test process: a context with a unique Redis prefix and data dir, the API on a
 * free port and a worker on the real Docker engine. Everything it creates is removed by `stop()`.
 *
 *   const fleet = await startFleet();
 *   const task = await fleet.client.tasks.queue('hello', {});
 *   await fleet.stop();
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseSettings } from '../../src/core/settings.ts';
import { createContext, type AppContext } from '../../src/service/context.ts';
import { startServerRole } from '../../src/roles/server-role.ts';
import { startWorkerRole } from '../../src/roles/worker-role.ts';
import { Dockhand } from '../../src/sdk/index.ts';
import type { Logger } from '../../src/telemetry/logger.ts';
import type { StackCatalog } from '../../src/stacks/catalog.ts';
import type { NodeAgent } from '../../src/worker/node-agent.ts';

export interface TestFleet {
  ctx: AppContext;
  url: string;
  token: string;
  projectId: string;
  dataDir: string;
  prefix: string;
  client: Dockhand;
  agent: NodeAgent | undefined;
  /** Environment for child `dockhand` processes pointing at this fleet. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** `catalog`: stacks of the test's own instead of the project's (test/integration/stacks-fixture.ts). */
export async function startFleet(options: { worker?: boolean; concurrency?: number; env?: Record<string, string>; logger?: Logger; catalog?: StackCatalog } = {}): Promise<TestFleet> {
  const prefix = `dhtest:${randomBytes(4).toString('hex')}:`;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-test-'));
  const settings = parseSettings({ ...process.env, DOCKHAND_REDIS_PREFIX: prefix, DOCKHAND_DATA_DIR: dataDir, DOCKHAND_PORT: '0', DOCKHAND_HOST: '127.0.0.1', DOCKHAND_LOG_LEVEL: 'warn', ...options.env });
  const ctx = await createContext(settings, { ...(options.logger ? { logger: options.logger } : {}), ...(options.catalog ? { catalog: options.catalog } : {}) });
  const worker = options.worker === false ? undefined : await startWorkerRole(ctx, { clusters: ['default'], concurrency: options.concurrency ?? 2, nodeId: `test-${prefix.split(':')[1]}`, watchdog: false });
  const { app, url } = await startServerRole(ctx);
  const { project, token } = await ctx.projects.create('test');
  const client = new Dockhand({ url, token });
  return {
    ctx, url, token, projectId: project.id, dataDir, prefix, client, agent: worker?.agent,
    env: { DOCKHAND_URL: url, DOCKHAND_TOKEN: token, DOCKHAND_DATA_DIR: dataDir },
    async stop() {
      await worker?.agent.stop();
      await app.close();
      const keys = await ctx.redis.keys(`${prefix}*`);
      for (let i = 0; i < keys.length; i += 500) await ctx.redis.del(...keys.slice(i, i + 500));
      await ctx.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
