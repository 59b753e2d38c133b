/**
 * Latency of single no-op tasks through the whole system (SDK -> API -> queue -> worker -> container
 * -> complete visible to the SDK), and from enqueue to the user's process running (the task prints
 * `date +%s%N` first thing; same host clock), interleaved with bare engine lifecycles.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Dockhand } from '../src/sdk/index.ts';
import { bareLifecycle } from './bare-engine.ts';

export interface LatencySamples {
  bare: number[];
  endToEnd: number[];
  toRunning: number[];
}

/** Uploads the no-op (`true`) and the timestamp-printing packages to a fleet. */
export async function uploadNoops(client: Dockhand): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-bench-'));
  try {
    await writeFile(path.join(dir, 'main.sh'), 'true\n');
    await client.codes.upload(dir, { name: 'noop', stack: 'shell', memory: 128 });
    await writeFile(path.join(dir, 'main.sh'), 'date +%s%N\n');
    await client.codes.upload(dir, { name: 'stamp', stack: 'shell', memory: 128 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * `rounds` measured rounds after 2 warm-up rounds. `settle` runs before each task (a warm fleet waits
 * there for its pool to be refilled, so each task meets a ready container as it would between bursts).
 */
export async function measureLatency(client: Dockhand, image: string, rounds: number, settle: () => Promise<void> = async () => {}): Promise<LatencySamples> {
  const samples: LatencySamples = { bare: [], endToEnd: [], toRunning: [] };
  for (let i = -2; i < rounds; i++) {
    const bare = await bareLifecycle(image);
    await settle();
    const t = performance.now();
    const queued = await client.tasks.queue('noop');
    const done = await client.tasks.wait(queued.id);
    const endToEnd = performance.now() - t;
    if (done.status !== 'complete') throw new Error(`no-op task ended ${done.status}: ${done.msg}`);
    await settle();
    // ms since the epoch at sub-millisecond resolution, on the clock `date` in the container reads.
    const enqueuedAt = performance.timeOrigin + performance.now();
    const stamped = await client.tasks.queue('stamp');
    const stampDone = await client.tasks.wait(stamped.id);
    if (stampDone.status !== 'complete') throw new Error(`timestamp task ended ${stampDone.status}: ${stampDone.msg}`);
    const printed = Number((await client.tasks.log(stamped.id)).trim().split('\n')[0]) / 1e6;
    if (i < 0) continue;
    samples.bare.push(bare);
    samples.endToEnd.push(endToEnd);
    samples.toRunning.push(printed - enqueuedAt);
  }
  return samples;
}
