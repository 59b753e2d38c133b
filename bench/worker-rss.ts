/**
 * Resident memory of a worker process (`dockhand worker --concurrency 8`, a process of its own so the
 * API's memory is not counted) before, during and after running `count` no-op tasks, read from
 * /proc/<pid>/status. "At 1 k" is the reading when a tenth of the tasks (or 1000) have finished, to
 * see whether memory grows with the number of tasks run.
 *
 * The worker runs the compiled JavaScript, as the installed package and Dockhand's image do: a
 * checkout's bin/dockhand.js keeps tsx's compiler in the process, about 35 MB more of the same code.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchFleet } from './bench-fleet.ts';

const CLUSTER = 'rss';

export interface RssReport {
  tasks: number;
  beforeMb: number;
  atFirstTenthMb: number;
  peakMb: number;
  endMb: number;
  afterMb: number;
  seconds: number;
}

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
}

export async function measureWorkerRss(fleet: BenchFleet, count: number, warm: number): Promise<RssReport> {
  compile();
  const child = spawn(process.execPath, ['bench/compiled-dockhand.js', 'worker', '--cluster', CLUSTER, '--concurrency', '8', '--warm', String(warm), '--node-id', `rss-${process.pid}`], {
    env: { ...process.env, DOCKHAND_REDIS_PREFIX: fleet.prefix, DOCKHAND_DATA_DIR: fleet.dataDir, DOCKHAND_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const pid = child.pid!;
  try {
    await waitForNode(fleet, `rss-${process.pid}`);
    await sleep(2000);
    const beforeMb = await rssMb(pid);
    const t = performance.now();
    for (let queued = 0; queued < count; queued += 1000) {
      await fleet.client.tasks.queueMany(Array.from({ length: Math.min(1000, count - queued) }, () => ({ code_name: 'noop', cluster: CLUSTER })));
    }
    const tenth = Math.min(1000, Math.ceil(count / 10));
    let atFirstTenthMb = NaN;
    let peakMb = beforeMb;
    let endMb = beforeMb;
    for (;;) {
      const counts = await fleet.ctx.tasks.countByStatus((await fleet.ctx.projects.list())[0]!.id);
      const finished = counts.complete + counts.error + counts.timeout + counts.cancelled;
      endMb = await rssMb(pid);
      peakMb = Math.max(peakMb, endMb);
      if (Number.isNaN(atFirstTenthMb) && finished >= tenth) atFirstTenthMb = endMb;
      if (counts.queued === 0 && counts.preparing === 0 && counts.running === 0) break;
      await sleep(500);
    }
    const seconds = (performance.now() - t) / 1000;
    await sleep(5000);
    return { tasks: count, beforeMb, atFirstTenthMb, peakMb, endMb, afterMb: await rssMb(pid), seconds };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

/** `npm run build`: dist/ from the sources as they are now, so the run never measures a stale build. */
function compile(): void {
  const result = spawnSync(process.execPath, ['scripts/build.js'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) throw new Error('npm run build failed (see above); the worker memory run needs dist/');
}

async function waitForNode(fleet: BenchFleet, nodeId: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if ((await fleet.ctx.nodes.get(nodeId))?.state === 'running') return;
    await sleep(100);
  }
  throw new Error(`worker ${nodeId} did not come up`);
}
