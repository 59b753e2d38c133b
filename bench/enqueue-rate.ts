/**
 * Queueing speed where no node serves the cluster (so only the API and Redis are measured): raw HTTP
 * batches of 100, 4 requests in flight; the SDK's queueMany; and listing the newest 100 queued tasks
 * of a project with a deep queue.
 */
import type { Dockhand } from '../src/sdk/index.ts';
import { percentile } from './stats.ts';

const CLUSTER = 'nobody-serves-this';

/** Tasks per second over raw HTTP batches of 100. */
export async function httpBatchRate(url: string, token: string, total: number): Promise<number> {
  const body = JSON.stringify({ tasks: Array.from({ length: 100 }, (_, i) => ({ code_name: 'noop', cluster: CLUSTER, payload: { i } })) });
  let sent = 0;
  const t = performance.now();
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (sent < total) {
      sent += 100;
      const response = await fetch(`${url}/v1/tasks`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
      if (response.status !== 201) throw new Error(`batch refused: ${response.status} ${await response.text()}`);
      await response.arrayBuffer();
    }
  }));
  return sent / ((performance.now() - t) / 1000);
}

/** Tasks per second through `dh.tasks.queueMany`. */
export async function sdkBulkRate(client: Dockhand, total: number): Promise<number> {
  const t = performance.now();
  const tasks = await client.tasks.queueMany(Array.from({ length: total }, (_, i) => ({ code_name: 'noop', cluster: CLUSTER, payload: { i } })));
  if (tasks.length !== total) throw new Error(`queueMany returned ${tasks.length} of ${total} tasks`);
  return total / ((performance.now() - t) / 1000);
}

/** Fills the queue up to `depth` queued tasks, then times `GET /v1/tasks?status=queued&limit=100`. */
export async function deepListLatency(client: Dockhand, alreadyQueued: number, depth: number, reads: number): Promise<{ p50: number; p99: number }> {
  if (depth > alreadyQueued) await client.tasks.queueMany(Array.from({ length: depth - alreadyQueued }, () => ({ code_name: 'noop', cluster: CLUSTER })));
  const samples: number[] = [];
  for (let i = 0; i < reads; i++) {
    const t = performance.now();
    const page = await client.tasks.list({ status: 'queued', limit: 100 });
    samples.push(performance.now() - t);
    if (page.length !== 100) throw new Error(`listing returned ${page.length} tasks`);
  }
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}
