/**
 * Throughput on one node: `count` no-op tasks queued at once and run with the worker's concurrency,
 * against the bare engine running as many lifecycles with the same concurrency.
 */
import type { Dockhand } from '../src/sdk/index.ts';
import { bareThroughput } from './bare-engine.ts';

/** Tasks per second through Dockhand and through the bare engine, measured back to back. */
export async function measureThroughput(client: Dockhand, image: string, count: number, concurrency: number): Promise<{ dockhand: number; bare: number }> {
  const bareMs = await bareThroughput(image, count, concurrency);
  const t = performance.now();
  const tasks = await client.tasks.queueMany(Array.from({ length: count }, () => ({ code_name: 'noop' })));
  const done = await Promise.all(tasks.map((task) => client.tasks.wait(task.id, { timeoutMs: 600_000 })));
  const dockhandMs = performance.now() - t;
  const failed = done.filter((task) => task.status !== 'complete');
  if (failed.length > 0) throw new Error(`${failed.length} no-op task(s) did not complete, e.g. ${failed[0]!.status}: ${failed[0]!.msg}`);
  return { dockhand: count / (dockhandMs / 1000), bare: count / (bareMs / 1000) };
}
