/**
 * `npm run soak`: queues many tasks through the SDK across two servers and two workers (the chaos
 * fleet of harness.ts: its own Redis and engines), a mix of stacks (a custom image, the shell and
 * Python stacks, code uploaded as archives), payload sizes, tasks that fail and are retried, tasks
 * cancelled while they wait, and tasks that time out. Then it reports: lost, stuck and duplicated tasks
 * (all must be 0), containers and derived images left on the engines (0 containers; one derived image
 * per engine for the one custom image), Redis memory per 1000 finished tasks and after the retention
 * sweep forgets them, the processes' RSS over time, and p50/p99 queue wait (created -> started). Exits
 * 1 when an invariant broke.
 *
 *   npm run soak                    # 10 000 tasks
 *   npm run soak -- --tasks 100     # the short form CI runs (`--tasks=100` too)
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FINISHED_STATUSES } from '../../src/core/task-status.ts';
import { sweepRetention } from '../../src/service/maintenance.ts';
import { buildStacks } from '../../src/stacks/build.ts';
import { loadStackCatalog } from '../../src/stacks/catalog.ts';
import { stackImageRepo } from '../../src/stacks/targets.ts';
import { docker as mainDocker } from '../helpers/docker.ts';
import { listTaskContainers, sleep, startChaosFleet, waitUntil, type ChaosFleet } from './harness.ts';

const total = taskCount(process.argv.slice(2));
const PRODUCERS = 8;
const DAY_MS = 86_400_000;
/** The stacks the soak's packages run on beside the custom image: the two smallest images. */
const STACKS = { shell: 'main.sh', 'python-3.13': 'main.py' } as const;
const SOURCES = {
  shell: 'wc -c < "$PAYLOAD_FILE"\n',
  'python-3.13': 'import os\nprint(len(open(os.environ["PAYLOAD_FILE"], "rb").read()))\n',
};

// Built (or found current) on the main engine, where the servers build revisions; each engine of the run gets a copy.
const built = await buildStacks(mainDocker(), await loadStackCatalog(), Object.keys(STACKS));
if (!built.ok) throw new Error(`soak: the ${Object.keys(STACKS).join(' and ')} stacks could not be built: ${built.stacks.map((b) => b.error?.message).filter(Boolean).join('; ')}`);
const fleet = await startChaosFleet({ workerConcurrency: 6, images: Object.keys(STACKS).map((name) => `${stackImageRepo(name)}:latest`) });
const names = { ok: `c${fleet.run}-ok`, fail: `c${fleet.run}-fail`, slow: `c${fleet.run}-slow`, shell: `c${fleet.run}-shell`, python: `c${fleet.run}-python` };
const admin = fleet.clients[0]!;
await admin.codes.upload(undefined, { name: names.ok, image: 'dockhand-base:test', command: 'wc -c "$PAYLOAD_FILE"', memory: 64 });
for (const [stack, entry] of Object.entries(STACKS) as [keyof typeof STACKS, string][]) {
  const dir = await mkdtemp(path.join(tmpdir(), 'dh-soak-code-'));
  await writeFile(path.join(dir, entry), SOURCES[stack]);
  await admin.codes.upload(dir, { name: stack === 'shell' ? names.shell : names.python, stack, memory: 64 });
  await rm(dir, { recursive: true, force: true });
}
await admin.codes.upload(undefined, { name: names.fail, image: 'dockhand-base:test', command: 'exit 2', memory: 64, retries: 1, retries_delay: 1 });
await admin.codes.upload(undefined, { name: names.slow, image: 'dockhand-base:test', command: 'sleep 30', memory: 64, timeout: 1 });

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => { void fleet.stop().finally(() => process.exit(130)); });
}

const rss: { at: number; process: string; mb: number }[] = [];
const rssTimer = setInterval(() => {
  for (const proc of [...fleet.servers, ...fleet.workers]) {
    const mb = rssOf(proc.child.pid);
    if (mb !== undefined) rss.push({ at: Date.now(), process: proc.name, mb });
  }
}, 10_000);

const memoryBefore = await usedMemory(fleet);
const started = Date.now();
const ids: string[] = [];
const cancelled = new Set<string>();
let refused = 0;
let next = 0;
await Promise.all(Array.from({ length: PRODUCERS }, async () => {
  for (let i = next++; i < total; i = next++) {
    const kind = i % 20;
    try {
      if (kind === 0) {
        const task = await fleet.client().tasks.queue(names.ok, { delay: 60 });
        await fleet.client().tasks.cancel(task.id);
        cancelled.add(task.id);
        ids.push(task.id);
      } else if (kind === 1) {
        ids.push((await fleet.client().tasks.queue(names.fail)).id);
      } else if (kind === 2) {
        ids.push((await fleet.client().tasks.queue(names.slow)).id);
      } else if (kind === 3 || kind === 4) {
        ids.push((await fleet.client().tasks.queue(kind === 3 ? names.shell : names.python, { payload: { n: i } })).id);
      } else {
        const size = [16, 1024, 16_384, 60_000][i % 4]!;
        ids.push((await fleet.client().tasks.queue(names.ok, { payload: { pad: 'x'.repeat(size) } })).id);
      }
    } catch {
      refused += 1;
    }
    if (i % 1000 === 999) console.error(`queued ${i + 1}/${total} in ${Math.round((Date.now() - started) / 1000)} s`);
  }
}));

const finished = new Set<string>(FINISHED_STATUSES);
// However long the run, it waits while tasks keep finishing; five minutes with none finishing is a stall
// (the tasks still open then are reported stuck).
const STALL_MS = 300_000;
let lastOpen = Number.POSITIVE_INFINITY;
let progressAt = Date.now();
await waitUntil('every task to finish', async () => {
  let open = 0;
  for (let i = 0; i < ids.length; i += 500) {
    const batch = await Promise.all(ids.slice(i, i + 500).map((id) => fleet.ctx.tasks.get(id)));
    open += batch.filter((t) => !t || !finished.has(t.status)).length;
  }
  console.error(`${open} of ${ids.length} not finished yet`);
  if (open < lastOpen) [lastOpen, progressAt] = [open, Date.now()];
  if (open > 0 && Date.now() - progressAt > STALL_MS) return false;
  return open === 0 ? true : undefined;
}, Number.POSITIVE_INFINITY, 5000);
const elapsedS = (Date.now() - started) / 1000;
clearInterval(rssTimer);

const tasks = (await Promise.all(ids.map((id) => fleet.ctx.tasks.get(id))));
const stuck = tasks.filter((t) => t && !finished.has(t.status)).length;
const lost = tasks.filter((t) => !t).length;
const duplicates = tasks.filter((t) => (t?.attempt_history ?? []).filter((a) => a.status === 'complete').length > 1).length + (ids.length - new Set(ids).size);
const byStatus: Record<string, number> = {};
for (const t of tasks) if (t) byStatus[t.status] = (byStatus[t.status] ?? 0) + 1;
const waits = tasks.filter((t) => t?.start_time && !cancelled.has(t.id)).map((t) => Date.parse(t!.start_time!) - Date.parse(t!.created_at)).sort((a, b) => a - b);
const quantile = (q: number) => (waits.length ? waits[Math.min(waits.length - 1, Math.floor(q * waits.length))]! / 1000 : Number.NaN);

await sleep(6000); // a reconcile interval, for containers of the last attempts
const containersLeft = (await listTaskContainers(fleet)).length;
// Images Dockhand derives from a custom image are cached per engine and source: one each here, never one per task.
const derivedImages = (await Promise.all(fleet.engines.map((engine) => engine.docker.listImages({ filters: { label: ['dockhand.image=custom'] } })))).map((list) => list.length);
const derivedImagesLeft = derivedImages.reduce((sum, n) => sum + Math.max(0, n - 1), 0);
const memoryFinished = await usedMemory(fleet);
const swept = await sweepRetention(fleet.ctx, Date.now() + 31 * DAY_MS);
const memoryAfterRetention = await usedMemory(fleet);

const report = {
  tasks: ids.length,
  refused,
  elapsedS: Math.round(elapsedS),
  byStatus,
  lost,
  stuck,
  duplicates,
  containersLeft,
  derivedImages,
  derivedImagesLeft,
  queueWaitS: { p50: quantile(0.5), p99: quantile(0.99) },
  redisMemory: {
    beforeMb: mb(memoryBefore),
    finishedMb: mb(memoryFinished),
    perThousandFinishedMb: Math.round(((memoryFinished - memoryBefore) / ids.length) * 1000 / 1024 / 10.24) / 100,
    afterRetentionMb: mb(memoryAfterRetention),
    sweptTasks: swept.tasks,
  },
  rssMb: summariseRss(rss),
};
console.log(JSON.stringify(report, null, 2));
await fleet.stop();
process.exit(lost + stuck + duplicates + containersLeft + derivedImagesLeft > 0 ? 1 : 0);

async function usedMemory(fleet: ChaosFleet): Promise<number> {
  const info = await fleet.ctx.redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
}

function mb(bytes: number): number {
  return Math.round(bytes / 1024 / 1024 * 10) / 10;
}

function rssOf(pid: number | undefined): number | undefined {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return Math.round(kb / 1024);
  } catch {
    return undefined;
  }
}

/** First, middle and last RSS sample of each process: flat means no leak. */
function summariseRss(samples: typeof rss): Record<string, number[]> {
  const by: Record<string, number[]> = {};
  for (const s of samples) (by[s.process] ??= []).push(s.mb);
  return Object.fromEntries(Object.entries(by).map(([name, values]) => [name, [values[0]!, values[Math.floor(values.length / 2)]!, values[values.length - 1]!]]));
}

/** `--tasks N` or `--tasks=N`; 10 000 when absent. */
function taskCount(args: string[]): number {
  const at = args.indexOf('--tasks');
  const text = at >= 0 ? args[at + 1] : args.find((a) => a.startsWith('--tasks='))?.slice('--tasks='.length);
  if (text === undefined) return 10_000;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--tasks takes a positive whole number, not ${text}`);
  return n;
}
