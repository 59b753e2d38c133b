/**
 * What tracing costs a task: the same no-op task, queue -> complete, on two fleets in one process,
 * one with tracing on (spans to the embedded Redis span store, the SDK sending traceparent and its
 * calls' spans in its usual batches) and one with OTEL_SDK_DISABLED=true and an SDK with tracing off,
 * measured in alternating rounds so both see the same machine. Also the CPU time the process (API,
 * worker and SDK together) spent per task, which a busy machine disturbs less than latency.
 *
 *   npx tsx bench/trace-overhead.ts 30
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startBenchFleet } from './bench-fleet.ts';
import { formatRow, summary } from './stats.ts';

export async function benchTraceOverhead(rounds: number): Promise<string[]> {
  const on = await startBenchFleet({}, { tracing: true });
  const off = await startBenchFleet({ OTEL_SDK_DISABLED: 'true' }, { tracing: false });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-trace-bench-'));
  try {
    await writeFile(path.join(dir, 'main.sh'), 'true\n');
    for (const fleet of [on, off]) await fleet.client.codes.upload(dir, { name: 'noop', stack: 'shell' });
    const samples = { on: [] as number[], off: [] as number[] };
    // CPU time of this process (API, worker, SDK) per task: less at the mercy of a busy machine than latency.
    const cpu = { on: [] as number[], off: [] as number[] };
    for (let i = -2; i < rounds; i++) {
      // Alternate which goes first, so neither always follows the other's container cleanup.
      const order = i % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const);
      for (const which of order) {
        const fleet = which === 'on' ? on : off;
        const cpuFrom = process.cpuUsage();
        const t = performance.now();
        const queued = await fleet.client.tasks.queue('noop');
        const done = await fleet.client.tasks.wait(queued.id);
        const ms = performance.now() - t;
        const used = process.cpuUsage(cpuFrom);
        if (done.status !== 'complete') throw new Error(`no-op task ended ${done.status}: ${done.msg}`);
        if (i >= 0) {
          samples[which].push(ms);
          cpu[which].push((used.user + used.system) / 1000);
        }
      }
    }
    const rowOn = summary('no-op task, tracing on (span store)', samples.on);
    const rowOff = summary('no-op task, tracing off (OTEL_SDK_DISABLED)', samples.off);
    const cpuOn = summary('  Dockhand CPU per task, tracing on', cpu.on);
    const cpuOff = summary('  Dockhand CPU per task, tracing off', cpu.off);
    return [
      formatRow(rowOn),
      formatRow(rowOff),
      `tracing overhead (p50): ${(rowOn.p50 - rowOff.p50).toFixed(1)} ms, ratio on / off ${(rowOn.p50 / rowOff.p50).toFixed(3)}`,
      formatRow(cpuOn),
      formatRow(cpuOff),
      `tracing CPU per task (p50): ${(cpuOn.p50 - cpuOff.p50).toFixed(1)} ms`,
    ];
  } finally {
    await on.client.flush();
    await on.stop();
    await off.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rounds = Number(process.argv[2] ?? 20);
  process.env['REDIS_URL'] ??= 'redis://127.0.0.1:6390';
  for (const line of await benchTraceOverhead(rounds)) console.log(line);
  process.exit(0);
}
