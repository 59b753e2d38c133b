/**
 * `dockhand up | server | worker`: start Dockhand's roles in the foreground. SIGINT/SIGTERM stop them
 * cleanly (a worker first finishes what it runs).
 */
import type { Command } from 'commander';
import { parseSettings } from '../../core/settings.ts';
import { CliExit, EXIT_CODES } from '../output.ts';

// The roles pull in BullMQ, Fastify and dockerode; they are loaded only when a role starts, so the
// client commands stay quick to launch.
const roles = {
  up: () => import('../../roles/up.ts'),
  server: () => import('../../roles/server-role.ts'),
  worker: () => import('../../roles/worker-role.ts'),
  context: () => import('../../service/context.ts'),
};

function positive(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new CliExit(EXIT_CODES.usage, `${name} expects a positive whole number, got "${value}".`);
    return n;
  };
}

function clusters(value: string): string[] {
  return value.split(',').map((c) => c.trim()).filter(Boolean);
}

/** Resolves when SIGINT or SIGTERM arrives, after running `stop`. */
function untilSignalled(stop: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const handler = (): void => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      void stop().then(resolve, (err: unknown) => {
        process.stderr.write(`dockhand: stopping failed: ${(err as Error).message}\n`);
        process.exitCode = EXIT_CODES.failed;
        resolve();
      });
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

export function registerRoleCommands(program: Command): void {
  program
    .command('up')
    .description('Run everything on this machine: install and start Docker and Redis if missing, build the first stack images, start the API and a worker, create the default project, and run one example task.')
    .option('--concurrency <n>', 'task slots of the local worker (default: DOCKHAND_CONCURRENCY or 4)', positive('--concurrency'))
    .option('--cluster <a,b>', 'clusters the local worker serves', clusters)
    .option('--no-smoke', 'skip the example task at start')
    .option('--schedules <file>', 'apply this cron definitions file (YAML, see examples/schedules.yaml) once the fleet is up')
    .addHelpText('after', '\nEnvironment: DOCKHAND_PORT (8080), DOCKHAND_DATA_DIR (.dockhand), REDIS_URL (default: our own Redis under the data dir), DOCKER_HOST.\n')
    .action(async (options: { concurrency?: number; cluster?: string[]; smoke?: boolean; schedules?: string }) => {
      const { runUp } = await roles.up();
      const { stop } = await runUp({
        ...(options.concurrency ? { concurrency: options.concurrency } : {}),
        ...(options.cluster ? { clusters: options.cluster } : {}),
        ...(options.schedules ? { schedulesFile: options.schedules } : {}),
        smoke: options.smoke !== false,
      });
      await untilSignalled(stop);
    });

  program
    .command('server')
    .description('Run the HTTP API only (stateless; run several behind a load balancer). Needs REDIS_URL.')
    .action(async () => {
      const [{ createContext }, { startServerRole }] = await Promise.all([roles.context(), roles.server()]);
      const ctx = await createContext(parseSettings(process.env));
      const { app } = await startServerRole(ctx);
      await untilSignalled(async () => {
        await app.close();
        await ctx.close();
      });
    });

  program
    .command('worker')
    .description('Run a worker node on the local Docker engine (DOCKER_HOST), taking tasks from the given clusters. Needs REDIS_URL.')
    .option('--cluster <a,b>', 'clusters to serve', clusters, ['default'])
    .option('--concurrency <n>', 'task slots', positive('--concurrency'))
    .option('--node-id <id>', 'this node\'s id (default: DOCKHAND_NODE_ID or the host name)')
    .action(async (options: { cluster: string[]; concurrency?: number; nodeId?: string }) => {
      const [{ createContext }, { startWorkerRole }] = await Promise.all([roles.context(), roles.worker()]);
      const ctx = await createContext(parseSettings(process.env));
      const { agent } = await startWorkerRole(ctx, {
        clusters: options.cluster,
        concurrency: options.concurrency ?? ctx.settings.DOCKHAND_CONCURRENCY,
        ...(options.nodeId ? { nodeId: options.nodeId } : {}),
      });
      await untilSignalled(async () => {
        await agent.stop();
        await ctx.close();
      });
    });
}
