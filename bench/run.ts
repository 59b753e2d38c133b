/**
 * `npm run bench`: Dockhand's speed next to the bare engine, measured side by side in one run (absolute
 * times drift between machines and runs; the ratios are the figures to compare). Prints a table and
 * writes it as JSON. `npm run bench -- --help` says what it needs and takes.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import Docker from 'dockerode';
import { loadStackCatalog } from '../src/stacks/catalog.ts';
import { resolveStackImage } from '../src/stacks/images.ts';
import { startBenchFleet, type BenchFleet } from './bench-fleet.ts';
import { deepListLatency, httpBatchRate, sdkBulkRate } from './enqueue-rate.ts';
import { percentile } from './stats.ts';
import { measureLatency, uploadNoops } from './task-latency.ts';
import { measureThroughput } from './throughput.ts';
import { benchTraceOverhead } from './trace-overhead.ts';
import { measureWorkerRss } from './worker-rss.ts';

const HELP = `npm run bench [-- options]

Measures Dockhand next to the bare Docker engine it runs on, in one run, and prints a Markdown table
(measure, Dockhand, bare engine, ratio, target) that it also writes as JSON:

  - a bare dockerode create -> start -> wait -> remove of a no-op container of the shell stack image
    (the baseline every ratio is taken against);
  - a no-op task from queue to complete visible to the SDK, cold and with warm containers;
  - enqueue -> the task's process running (the task prints its start time; same host clock);
  - throughput: N no-op tasks queued at once on one node at concurrency 4 and 8, cold and warm,
    against as many bare lifecycles at the same concurrency;
  - enqueue rate over HTTP batches of 100 and the SDK's queueMany, to a cluster no node serves;
  - GET /v1/tasks?status=queued&limit=100 with a deep queue (p50, p99);
  - a worker process's resident memory at concurrency 8 before, during and after many no-op tasks
    (the worker runs the compiled JavaScript, as the installed package does; the run builds dist/).

Needs the Redis and Docker engine that \`npm test\` or \`npm run up\` provision (REDIS_URL, default
redis://127.0.0.1:6390; DOCKER_HOST as usual) and the shell stack built (\`dockhand stacks build shell\`).
Run it on a quiet machine: the figures are only as steady as the machine; the load average at the
start and at the end goes into the JSON. The full run takes about an hour and a half on two cores,
most of it the worker memory run (10 000 no-op tasks at about two a second; --rss-tasks 0 skips it,
leaving about ten minutes); --quick takes a few minutes.

Options (each a whole number unless said otherwise):
  --quick               a shorter run: --rounds 10 --throughput 40 --enqueue 2000
                        --list-depth 10000 --rss-tasks 1000 (options given as well win)
  --rounds N            latency rounds after 2 unmeasured ones (20)
  --throughput N        tasks per throughput run (100)
  --enqueue N           tasks per enqueue-rate run (10000)
  --list-depth N        queued tasks for the listing (100000)
  --rss-tasks N         tasks for the worker memory run (10000; 0 skips it)
  --warm N              warm containers of the warm fleets (8)
  --out FILE            where the JSON goes (bench/results.json)
  --trace-overhead      also a no-op task with tracing on vs off (printed, not in the table)
  --help                this text
`;

const FULL = { rounds: '20', throughput: '100', enqueue: '10000', 'list-depth': '100000', 'rss-tasks': '10000' };
const QUICK = { rounds: '10', throughput: '40', enqueue: '2000', 'list-depth': '10000', 'rss-tasks': '1000' };

const given = (() => {
  try {
    return parseOptions();
  } catch (err) {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n\n${HELP}`);
    process.exit(2);
  }
})();
function parseOptions() {
  return parseArgs({ options: {
    rounds: { type: 'string' },
    throughput: { type: 'string' },
    enqueue: { type: 'string' },
    'list-depth': { type: 'string' },
    'rss-tasks': { type: 'string' },
    warm: { type: 'string', default: '8' },
    out: { type: 'string', default: 'bench/results.json' },
    'trace-overhead': { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  } }).values;
}
if (given.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const values = { ...(given.quick ? QUICK : FULL), ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) } as typeof FULL & typeof given;
const count = (name: keyof typeof FULL | 'warm'): number => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} expects a whole number, got "${String(values[name])}"`);
  return n;
};
process.env['REDIS_URL'] ??= 'redis://127.0.0.1:6390';

interface Row {
  measure: string;
  value: number;
  unit: string;
  /** The same measure on the bare engine, in the same run. */
  bare?: number;
  ratio?: number;
  target?: string;
  met?: boolean;
}

const rows: Row[] = [];
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};
const add = (row: Row): void => {
  const full: Row = row.bare !== undefined ? { ...row, ratio: row.value / row.bare } : { ...row };
  full.met ??= meets(full);
  rows.push(full);
  log(`  ${full.measure}: ${format(full.value, full.unit)}${full.ratio !== undefined ? ` (${full.ratio.toFixed(2)} x bare)` : ''}${full.met !== undefined ? (full.met ? ', target met' : ', target missed') : ''}`);
  // Written after every row, so a run cut short still leaves what it measured.
  save(false);
};

/** Whether a row meets a target of the form "<= 1.10 x bare", ">= 5000", "<= 15 ms". */
function meets(row: Row): boolean | undefined {
  const m = /^(<=|>=) ([\d.]+)( x bare)?/.exec(row.target ?? '');
  if (!m) return undefined;
  const measured = m[3] ? row.ratio : row.value;
  if (measured === undefined) return undefined;
  return m[1] === '<=' ? measured <= Number(m[2]) : measured >= Number(m[2]);
}

let image: string;
try {
  image = (await resolveStackImage(new Docker(), await loadStackCatalog(), 'shell')).ref;
} catch (err) {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n(the bench needs the Docker engine and the shell stack; see npm run bench -- --help)\n`);
  process.exit(1);
}
const loadAtStart = os.loadavg();
// The 1-minute load average every 5 s, so the JSON says how quiet the machine was throughout.
const loadSamples: number[] = [loadAtStart[0]!];
const loadTimer = setInterval(() => loadSamples.push(os.loadavg()[0]!), 5000);
loadTimer.unref();
log(`machine: ${os.cpus().length} CPUs, load average ${loadAtStart.map((n) => n.toFixed(2)).join(' ')}; image ${image}`);

async function withFleet<T>(options: Parameters<typeof startBenchFleet>[2], body: (fleet: BenchFleet) => Promise<T>): Promise<T> {
  const fleet = await startBenchFleet({ DOCKHAND_WARM_IDLE_S: '600' }, {}, options);
  try {
    await uploadNoops(fleet.client);
    return await body(fleet);
  } finally {
    await fleet.stop();
  }
}

const rounds = count('rounds');
const warm = count('warm');

log(`latency, cold: ${rounds} rounds...`);
await withFleet({ concurrency: 4, warm: 0 }, async (fleet) => {
  const s = await measureLatency(fleet.client, image, rounds);
  const bare = percentile(s.bare, 50);
  add({ measure: 'bare dockerode lifecycle p50', value: bare, unit: 'ms' });
  add({ measure: 'no-op task queue -> complete p50, cold', value: percentile(s.endToEnd, 50), unit: 'ms', bare, target: '<= 1.10 x bare' });
  add({ measure: 'enqueue -> user process running p50, cold', value: percentile(s.toRunning, 50), unit: 'ms', bare });
});

log(`latency, warm (--warm ${warm}): ${rounds} rounds...`);
await withFleet({ concurrency: 4, warm }, async (fleet) => {
  // Between tasks the pool is given time to refill, as it has between bursts of real work.
  const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 400));
  const s = await measureLatency(fleet.client, image, rounds, settle);
  const bare = percentile(s.bare, 50);
  add({ measure: 'no-op task queue -> complete p50, warm', value: percentile(s.endToEnd, 50), unit: 'ms', bare, target: '<= 0.35 x bare' });
  add({ measure: 'enqueue -> user process running p50, warm', value: percentile(s.toRunning, 50), unit: 'ms', bare, target: '<= 15 ms' });
});

const n = count('throughput');
for (const concurrency of [4, 8]) {
  for (const warmth of [0, warm]) {
    log(`throughput: ${n} tasks, concurrency ${concurrency}, ${warmth ? 'warm' : 'cold'}...`);
    await withFleet({ concurrency, warm: warmth }, async (fleet) => {
      if (warmth) await fleet.client.tasks.wait((await fleet.client.tasks.queue('noop')).id); // makes the class known
      const rate = await measureThroughput(fleet.client, image, n, concurrency);
      add({ measure: `throughput, concurrency ${concurrency}, ${warmth ? 'warm' : 'cold'}`, value: rate.dockhand, unit: 'tasks/s', bare: rate.bare, target: warmth ? '>= 1.3 x bare' : '>= 0.95 x bare' });
    });
  }
}

const enqueue = count('enqueue');
const depth = count('list-depth');
log(`enqueue rate (${enqueue} tasks each way) and listing with ${depth} queued...`);
await withFleet({ worker: false }, async (fleet) => {
  add({ measure: 'enqueue, HTTP batches of 100 (4 in flight)', value: await httpBatchRate(fleet.url, fleet.token, enqueue), unit: 'tasks/s', target: '>= 5000' });
  add({ measure: 'enqueue, SDK queueMany', value: await sdkBulkRate(fleet.client, enqueue), unit: 'tasks/s', target: '>= 20000' });
  const listing = await deepListLatency(fleet.client, 2 * enqueue, depth, 200);
  add({ measure: `list 100 queued of ${depth} p50`, value: listing.p50, unit: 'ms' });
  add({ measure: `list 100 queued of ${depth} p99`, value: listing.p99, unit: 'ms', target: '<= 50 ms' });
});

const rssTasks = count('rss-tasks');
if (rssTasks > 0) {
  log(`worker memory at concurrency 8 over ${rssTasks} no-op tasks (warm ${warm})...`);
  await withFleet({ worker: false }, async (fleet) => {
    const rss = await measureWorkerRss(fleet, rssTasks, warm);
    add({ measure: 'worker RSS before', value: rss.beforeMb, unit: 'MB' });
    add({ measure: `worker RSS after ${Math.min(1000, Math.ceil(rssTasks / 10))} tasks`, value: rss.atFirstTenthMb, unit: 'MB' });
    add({ measure: 'worker RSS peak while running', value: rss.peakMb, unit: 'MB', target: '<= 150 MB' });
    const tenth = Math.min(1000, Math.ceil(rssTasks / 10));
    add({ measure: `worker RSS after ${rssTasks} tasks`, value: rss.endMb, unit: 'MB', target: `within 10 % of the reading after ${tenth}`, met: Math.abs(rss.endMb - rss.atFirstTenthMb) <= 0.1 * rss.atFirstTenthMb });
    add({ measure: 'worker RSS 5 s after the last task', value: rss.afterMb, unit: 'MB' });
    add({ measure: `  ${rssTasks} tasks took`, value: rss.seconds, unit: 's' });
  });
}

if (values['trace-overhead']) {
  log(`no-op task with tracing on vs off, ${rounds} rounds...`);
  for (const line of await benchTraceOverhead(rounds)) log(line);
}

clearInterval(loadTimer);
console.log(tableText());
save(true);
log(`load average (1 min) during the run: min ${loadSummary().oneMinuteMin.toFixed(2)}, median ${loadSummary().oneMinuteMedian.toFixed(2)}, max ${loadSummary().oneMinuteMax.toFixed(2)} on ${os.cpus().length} CPUs`);
log(`written to ${values.out}`);
process.exit(0);

function tableText(): string {
  return [
    `| measure | Dockhand | bare engine | ratio | target | met |`,
    `|---|---|---|---|---|---|`,
    ...rows.map((r) => `| ${r.measure} | ${format(r.value, r.unit)} | ${r.bare !== undefined ? format(r.bare, r.unit === 'tasks/s' ? 'tasks/s' : 'ms') : ''} | ${r.ratio !== undefined ? `${r.ratio.toFixed(2)} x` : ''} | ${r.target ?? ''} | ${r.met === undefined ? '' : r.met ? 'yes' : 'no'} |`),
  ].join('\n');
}

function loadSummary() {
  return {
    atStart: loadAtStart,
    atEnd: os.loadavg(),
    oneMinuteMin: Math.min(...loadSamples),
    oneMinuteMedian: percentile(loadSamples, 50),
    oneMinuteMax: Math.max(...loadSamples),
  };
}

function save(complete: boolean): void {
  const options = { quick: values.quick, rounds: count('rounds'), throughput: count('throughput'), enqueue: count('enqueue'), listDepth: count('list-depth'), rssTasks: count('rss-tasks'), warm: count('warm') };
  writeFileSync(values.out, `${JSON.stringify({ at: new Date().toISOString(), complete, machine: { cpus: os.cpus().length, loadAverage: loadSummary() }, options, image, rows }, null, 2)}\n`);
}

function format(value: number, unit: string): string {
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${unit}`;
}
