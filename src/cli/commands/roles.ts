/**
 * `dockhand up | server | worker`: start Dockhand's roles in the foreground. SIGINT/SIGTERM stop them
 * cleanly (a worker first finishes what it runs).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseLabelList } from '../../core/fleet/constraints.ts';
import { parseMemorySize } from '../../core/fleet/memory-size.ts';
import { isPlacementStrategy, type PlacementStrategy } from '../../core/fleet/placement.ts';
import { CLUSTER_PATTERN } from '../../core/schemas/task-request.ts';
import { parseSettings } from '../../core/settings.ts';
import { CliExit, EXIT_CODES } from '../output.ts';

// The roles pull in Fastify, dockerode and the stack builder; they are loaded only when a role starts, so the
// client commands stay quick to launch.
const roles = {
  up: () => import('../../roles/up.ts'),
  server: () => import('../../roles/server-role.ts'),
  worker: () => import('../../roles/worker-role.ts'),
  context: () => import('../../service/context.ts'),
};

/** `<NAME>_FILE` settings (Docker secrets) are read as text. */
function readSecretFile(file: string): string {
  return readFileSync(file, 'utf8');
}

function positive(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new CliExit(EXIT_CODES.usage, `${name} expects a positive whole number, got "${value}".`);
    return n;
  };
}

function port(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new CliExit(EXIT_CODES.usage, `${name} expects a port number from 0 to 65535, got "${value}".`);
    return n;
  };
}

function clusters(value: string): string[] {
  const names = value.split(',').map((c) => c.trim()).filter(Boolean);
  for (const name of names) {
    if (!CLUSTER_PATTERN.test(name)) throw new CliExit(EXIT_CODES.usage, `--cluster names are lowercase letters, digits, "_" or "-"; got "${name}".`);
  }
  return names;
}

function nodeId(value: string): string {
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(value)) throw new CliExit(EXIT_CODES.usage, `--node-id is letters, digits, ".", "_" or "-"; got "${value}".`);
  return value;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function wholeSeconds(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new CliExit(EXIT_CODES.usage, `${name} expects a whole number of seconds, got "${value}".`);
    return n;
  };
}

/** `--placement binpack` (every cluster of the node) or `--placement gpu=binpack` (one cluster). */
export function parsePlacement(values: readonly string[]): { defaultPlacement?: PlacementStrategy; placement: Record<string, PlacementStrategy> } {
  const placement: Record<string, PlacementStrategy> = {};
  let defaultPlacement: PlacementStrategy | undefined;
  for (const value of values) {
    const [cluster, strategy] = value.includes('=') ? value.split('=', 2) : [undefined, value];
    if (!strategy || !isPlacementStrategy(strategy)) {
      throw new CliExit(EXIT_CODES.usage, `--placement expects spread or binpack, or CLUSTER=spread|binpack; got "${value}".`);
    }
    if (cluster) placement[cluster] = strategy;
    else defaultPlacement = strategy;
  }
  return defaultPlacement ? { defaultPlacement, placement } : { placement };
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
      const ctx = await createContext(parseSettings(process.env, readSecretFile));
      const { app } = await startServerRole(ctx);
      await untilSignalled(async () => {
        await app.close();
        await ctx.close();
      });
    });

  program
    .command('edge')
    .description('Forward TCP ports to Swarm services by their DNS name, spreading connections over their tasks: the routing mesh for engines without IPVS (deploy/swarm/stack.yaml runs one per node).')
    .requiredOption('--forward <port=host:port>', 'listen on PORT and forward to HOST:PORT (repeatable)', collect, [])
    .addHelpText('after', '\nExample:\n  dockhand edge --forward 8080=server:8080 --forward 5000=registry:5000\n')
    .action(async (options: { forward: string[] }) => {
      const [{ startEdge, parseForward }, { createLogger }] = await Promise.all([import('../../roles/edge-role.ts'), import('../../telemetry/logger.ts')]);
      let forwards;
      try {
        forwards = options.forward.map(parseForward);
      } catch (err) {
        throw new CliExit(EXIT_CODES.usage, (err as Error).message);
      }
      if (forwards.length === 0) throw new CliExit(EXIT_CODES.usage, 'give at least one --forward PORT=HOST:PORT.');
      const settings = parseSettings(process.env);
      const edge = await startEdge(forwards, createLogger(settings.DOCKHAND_LOG_LEVEL, { format: settings.DOCKHAND_LOG_FORMAT }));
      await untilSignalled(() => edge.close());
    });

  program
    .command('worker')
    .description('Run a worker node on the local Docker engine (DOCKER_HOST), taking tasks from the given clusters. Needs REDIS_URL. SIGTERM drains it: no new tasks, running ones get --drain-timeout to finish, then are queued again.')
    .option('--cluster <a,b>', 'clusters to serve', clusters, ['default'])
    .option('--label <key=value>', 'a label of this node that task constraints can match (repeatable)', collect, [])
    .option('--concurrency <n>', 'task slots (default: DOCKHAND_CONCURRENCY or 4)', positive('--concurrency'))
    .option('--memory <size>', 'memory tasks may reserve on this node in all, e.g. 8g or 2048 (MiB); default: the host memory')
    .option('--node-id <id>', 'this node\'s id (default: DOCKHAND_NODE_ID or the host name)', nodeId)
    .option('--placement <strategy>', 'spread (default) or binpack, for every cluster of the node or as CLUSTER=STRATEGY (repeatable)', collect, [])
    .option('--drain-timeout <s>', 'seconds running tasks get to finish after SIGTERM (default: DOCKHAND_DRAIN_TIMEOUT_S or 30)', wholeSeconds('--drain-timeout'))
    .option('--metrics-port <port>', 'serve GET /metrics (Prometheus) on this port (default: DOCKHAND_METRICS_PORT; none when unset)', port('--metrics-port'))
    .addHelpText('after', '\nExample:\n  DOCKER_HOST=unix:///var/run/docker.sock dockhand worker --cluster default,gpu --label region=eu-west --concurrency 8 --memory 16g\n')
    .action(async (options: { cluster: string[]; label: string[]; concurrency?: number; memory?: string; nodeId?: string; placement: string[]; drainTimeout?: number; metricsPort?: number }) => {
      const labels = parseLabelList(options.label);
      const memoryMb = options.memory !== undefined ? parseMemorySize(options.memory) : undefined;
      const placement = parsePlacement(options.placement);
      const [{ createContext }, { startWorkerRole }] = await Promise.all([roles.context(), roles.worker()]);
      const ctx = await createContext(parseSettings(process.env, readSecretFile));
      const drainTimeoutMs = (options.drainTimeout ?? ctx.settings.DOCKHAND_DRAIN_TIMEOUT_S) * 1000;
      const metricsPort = options.metricsPort ?? ctx.settings.DOCKHAND_METRICS_PORT;
      const worker = await startWorkerRole(ctx, {
        clusters: options.cluster,
        concurrency: options.concurrency ?? ctx.settings.DOCKHAND_CONCURRENCY,
        labels,
        ...(memoryMb !== undefined ? { memoryMb } : {}),
        ...placement,
        ...(options.nodeId ? { nodeId: options.nodeId } : {}),
        ...(metricsPort !== undefined ? { metricsPort } : {}),
      });
      await untilSignalled(async () => {
        await worker.stop({ drainTimeoutMs });
        await ctx.close();
      });
    });
}
