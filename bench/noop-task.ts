/**
 * The cost Dockhand adds to a container: a no-op task, queue -> complete through the API, the queue and
 * a worker, against a bare `docker run --rm` of the same stack image, measured interleaved in one run.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { loadStackCatalog } from '../src/stacks/catalog.ts';
import { resolveStackImage } from '../src/stacks/images.ts';
import { startBenchFleet } from './bench-fleet.ts';
import { formatRow, summary } from './stats.ts';

const run = promisify(execFile);

export async function benchNoopTask(rounds: number): Promise<string[]> {
  const image = await resolveStackImage(new Docker(), await loadStackCatalog(), 'shell');
  const fleet = await startBenchFleet();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-noop-'));
  try {
    await writeFile(path.join(dir, 'main.sh'), 'true\n');
    await fleet.client.codes.upload(dir, { name: 'noop', stack: 'shell' });
    const bare: number[] = [];
    const task: number[] = [];
    const inContainer: number[] = [];
    for (let i = -2; i < rounds; i++) {
      let t = performance.now();
      await run('docker', ['run', '--rm', '--network', 'none', '--entrypoint', 'true', image.ref]);
      const bareMs = performance.now() - t;
      t = performance.now();
      const queued = await fleet.client.tasks.queue('noop');
      const done = await fleet.client.tasks.wait(queued.id);
      const taskMs = performance.now() - t;
      if (done.status !== 'complete') throw new Error(`no-op task ended ${done.status}: ${done.msg}`);
      if (i < 0) continue; // warm-up rounds
      bare.push(bareMs);
      task.push(taskMs);
      inContainer.push(done.duration ?? NaN);
    }
    const b = summary('docker run --rm (CLI, same image)', bare);
    const d = summary('dockhand no-op task, queue -> complete', task);
    return [
      formatRow(b),
      formatRow(d),
      formatRow(summary('  of which the container ran (start -> exit)', inContainer)),
      `ratio dockhand / docker run (p50): ${(d.p50 / b.p50).toFixed(2)}`,
    ];
  } finally {
    await fleet.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
