/**
 * `dockhand up`: everything on one machine. Provisions the host, starts the API and a worker in this
 * process, creates the default project on first start, then runs the bundled example once as a smoke
 * check and prints its output and timing; with `--schedules FILE` it then applies a cron definitions
 * file to the default project. Ctrl-C drains the worker and stops cleanly.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DhError } from '../core/errors.ts';
import { formatPlanLines, formatPlanSummary } from '../core/schedule/apply-plan.ts';
import { describeDefinitionIssue, parseDefinitionsFile } from '../core/schedule/definitions-file.ts';
import { parseSettings } from '../core/settings.ts';
import { checkRedisDurability } from '../host/redis-durability.ts';
import { Dockhand } from '../sdk/index.ts';
import { createContext } from '../service/context.ts';
import { applySchedules } from '../service/schedule-apply.ts';
import { ensureDefaultProject } from './default-project.ts';
import { provisionHost } from './provision.ts';
import { startServerRole } from './server-role.ts';
import { startWorkerRole } from './worker-role.ts';

/** Where `up` binds the API unless DOCKHAND_HOST is set. */
export const UP_DEFAULT_HOST = '127.0.0.1';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface UpOptions {
  concurrency?: number;
  clusters?: string[];
  smoke?: boolean;
  /** A cron definitions file to apply to the default project once the fleet is up. */
  schedulesFile?: string;
  log?: (line: string) => void;
}

export async function runUp(options: UpOptions = {}): Promise<{ stop: () => Promise<void>; url: string }> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  // `up` talks to a person in a terminal: Dockhand's own JSON logs stay quiet unless asked for.
  // Everything on one machine: the API answers this machine only unless DOCKHAND_HOST says otherwise,
  // so neither the network nor a network-enabled task reaches it by default (docs/security.md).
  const settings0 = parseSettings({ DOCKHAND_LOG_LEVEL: 'warn', DOCKHAND_HOST: UP_DEFAULT_HOST, ...process.env });
  const dataDir = path.resolve(settings0.DOCKHAND_DATA_DIR);
  // A broken definitions file stops `up` before anything starts.
  const schedules = options.schedulesFile !== undefined ? readSchedulesFile(options.schedulesFile) : undefined;
  const started = Date.now();
  const host = await provisionHost({ dataDir, log });
  const settings = { ...settings0, REDIS_URL: host.redisUrl };
  const ctx = await createContext(settings);
  for (const warning of await checkRedisDurability(ctx.redis)) log(`warning: ${warning}`);

  const worker = await startWorkerRole(ctx, { clusters: options.clusters ?? ['default'], concurrency: options.concurrency ?? settings.DOCKHAND_CONCURRENCY, docker: host.docker });
  const server = await startServerRole(ctx, { health: () => worker.runtime.ping() });
  const { credentials, created, file } = await ensureDefaultProject(ctx, dataDir, server.url);
  log(`==> Dockhand is up at ${server.url} (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  log(`    project ${credentials.project_id}; credentials ${created ? 'written to' : 'in'} ${path.relative(process.cwd(), file) || file}`);
  log(`    dashboard: ${server.url}/ui/ (sign in with the token in credentials.json, or run \`npx dockhand open\`)`);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      log('==> stopping: finishing running tasks');
      await worker.stop();
      await server.app.close();
      await ctx.close();
      log('==> stopped');
    })();
    return stopping;
  };

  if (options.smoke !== false) await smokeCheck(new Dockhand({ url: server.url, token: credentials.token }), log);
  if (schedules !== undefined && options.schedulesFile !== undefined) {
    try {
      log(`==> applying ${options.schedulesFile}`);
      const result = await applySchedules(ctx, credentials.project_id, schedules, { prune: false, dryRun: false });
      for (const line of formatPlanLines(result)) log(`    ${line}`);
      log(`    ${formatPlanSummary(result, options.schedulesFile)}`);
    } catch (err) {
      await stop();
      throw err;
    }
  }
  log('==> ready; press Ctrl-C to stop. In another terminal:');
  log('    npx dockhand code upload examples/hello-node --name hello --stack node-20');
  log(`    npx dockhand task queue hello --payload '{"name":"you"}' --wait`);
  return { stop, url: server.url };
}

/** Reads and checks a definitions file; every problem is reported with its line. */
function readSchedulesFile(file: string): unknown[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new DhError('DH_ERR_CONFIG', `Cannot read the schedules file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
  }
  const parsed = parseDefinitionsFile(text, { minRunEvery: 1, now: new Date() });
  if (parsed.issues.length > 0) {
    const lines = parsed.issues.map((issue) => `${file}:${issue.line ?? 1}: ${describeDefinitionIssue(issue)}`);
    throw new DhError('DH_ERR_CONFIG', `The schedules file has ${parsed.issues.length} problem${parsed.issues.length === 1 ? '' : 's'}:\n${lines.join('\n')}`);
  }
  return (parsed.content as { schedules: unknown[] }).schedules;
}

/** Uploads the bundled example and runs it once through the whole path, printing what it printed. */
async function smokeCheck(client: Dockhand, log: (line: string) => void): Promise<void> {
  log('==> smoke check: uploading examples/hello-node and running it once');
  await client.codes.upload(path.join(REPO_ROOT, 'examples/hello-node'), { name: 'hello', stack: 'node-20' });
  const queuedAt = Date.now();
  const task = await client.tasks.queue('hello', { payload: { name: 'Dockhand' } });
  const done = await client.tasks.wait(task.id, { timeoutMs: 120_000 });
  const output = await client.tasks.log(task.id);
  for (const line of output.trimEnd().split('\n')) log(`    | ${line}`);
  if (done.status !== 'complete') throw new Error(`The smoke task ${task.id} ended ${done.status}: ${done.msg ?? 'see its log above'}.`);
  log(`==> smoke task ${task.id} complete in ${Date.now() - queuedAt} ms end to end (container ran ${done.duration} ms); result ${JSON.stringify(done.result)}`);
}
