/**
 * Firing lateness and duplicate firings of a per-second schedule with several `dockhand server`
 * processes racing to fire it: lateness is the time from an occurrence's instant to its task being
 * queued (the task record's queued_at), and a duplicate is an occurrence that created more than one task.
 * No worker runs, so the tasks stay queued and only the scheduling path is measured.
 *
 *   npx tsx bench/schedule-lateness.ts            # 300 s, 3 servers
 *   npx tsx bench/schedule-lateness.ts 60 5       # 60 s, 5 servers
 *
 * Needs the Redis that `npm test` or `npm run up` provisions (REDIS_URL, default 127.0.0.1:6390). Runs
 * longer than ~15 minutes outgrow the schedule's history (1000 firings kept) and are refused.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSettings } from '../src/core/settings.ts';
import { createContext } from '../src/service/context.ts';
import { createSchedule } from '../src/service/schedules.ts';
import { SCHEDULE_HISTORY_CAP } from '../src/store/redis/redis-schedule-store.ts';
import { percentile } from './stats.ts';

const seconds = Number(process.argv[2] ?? 300);
const servers = Number(process.argv[3] ?? 3);
if (!(seconds > 0 && seconds < SCHEDULE_HISTORY_CAP - 60) || !(servers >= 1 && servers <= 16)) {
  process.stderr.write(`usage: schedule-lateness.ts [seconds 1-${SCHEDULE_HISTORY_CAP - 61}] [servers 1-16]\n`);
  process.exit(2);
}
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/dockhand.js');
const prefix = `dhbench:${randomBytes(4).toString('hex')}:`;
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-bench-'));
const env = {
  ...process.env,
  REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6390',
  DOCKHAND_REDIS_PREFIX: prefix,
  DOCKHAND_DATA_DIR: dataDir,
  DOCKHAND_PORT: '0',
  DOCKHAND_HOST: '127.0.0.1',
  DOCKHAND_LOG_LEVEL: 'info',
};
const ctx = await createContext(parseSettings({ ...env, DOCKHAND_LOG_LEVEL: 'warn' }));
const children: ChildProcess[] = [];

try {
  const { project } = await ctx.projects.create('bench');
  await ctx.codes.addRevision({
    project_id: project.id, name: 'tick', image: 'dockhand-base:test', command: 'true', env_vars: {}, max_concurrency: -1,
    retries: 0, retries_delay: 0, timeout: 60, memory: 64, cpus: 1, network: false, default_priority: 0,
  });
  process.stderr.write(`starting ${servers} dockhand server processes...\n`);
  for (let i = 0; i < servers; i++) children.push(await startServer());

  const schedule = await createSchedule(ctx, project.id, { code_name: 'tick', cron: '* * * * * *', name: 'bench-every-second' });
  process.stderr.write(`per-second schedule ${schedule.id} created; measuring for ${seconds} s...\n`);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  await Promise.all(children.map(stopServer));

  const firings = await ctx.schedules.history(schedule.id, SCHEDULE_HISTORY_CAP);
  const tasks = (await ctx.tasks.list(project.id, { limit: 100_000 })).filter((t) => t.schedule_id === schedule.id);
  const queuedAt = new Map(tasks.map((t) => [t.id, Date.parse(t.queued_at ?? t.created_at)]));

  const perOccurrence = new Map<string, number>();
  for (const f of firings) perOccurrence.set(f.at, (perOccurrence.get(f.at) ?? 0) + 1);
  const ats = [...perOccurrence.keys()].map(Date.parse).sort((a, b) => a - b);
  let gaps = 0;
  for (let i = 1; i < ats.length; i++) gaps += (ats[i]! - ats[i - 1]!) / 1000 - 1;
  const lateness = firings.filter((f) => f.task_id && queuedAt.has(f.task_id)).map((f) => queuedAt.get(f.task_id!)! - Date.parse(f.at));
  const historyTasks = new Set(firings.map((f) => f.task_id).filter(Boolean));
  const result = {
    servers,
    seconds,
    occurrences: perOccurrence.size,
    tasks: tasks.length,
    // An occurrence recorded twice, or a task of the schedule that no occurrence accounts for.
    duplicate_firings: [...perOccurrence.values()].reduce((n, c) => n + c - 1, 0) + tasks.filter((t) => !historyTasks.has(t.id)).length,
    missing_seconds: gaps,
    not_queued: firings.filter((f) => f.outcome !== 'queued').length,
    lateness_ms: {
      p50: percentile(lateness, 50),
      p90: percentile(lateness, 90),
      p99: percentile(lateness, 99),
      max: Math.max(...lateness),
      min: Math.min(...lateness),
    },
    load_average: os.loadavg().map((l) => Number(l.toFixed(2))),
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await Promise.all(children.map(stopServer));
  const keys = await ctx.redis.keys(`${prefix}*`);
  for (let i = 0; i < keys.length; i += 500) await ctx.redis.del(...keys.slice(i, i + 500));
  await ctx.close();
  await rm(dataDir, { recursive: true, force: true });
}
process.exit(0);

/** A `dockhand server` child process, resolved once its API (and so its scheduler) is up. */
function startServer(): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    // Dockhand logs JSON lines on stderr; the server is ready once it says its API is listening.
    const child = spawn(process.execPath, [BIN, 'server'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let buffered = '';
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString();
      if (buffered.includes('API listening')) {
        child.stderr?.off('data', onData);
        child.stderr?.resume();
        resolve(child);
      }
    };
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`dockhand server exited with ${code} before it was ready`)));
  });
}

function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
