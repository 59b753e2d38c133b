/**
 * `GET /metrics` in the Prometheus text format, read with a strict exposition parser: on the API
 * server after a task has run, and on a worker-only process's `--metrics-port` listener.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.ts';
import { startFleet, type TestFleet } from '../helpers/fleet.ts';
import { parsePrometheusText, type MetricFamily } from '../helpers/prometheus-text.ts';

let fleet: TestFleet;
let nodeOfTask: string;

beforeAll(async () => {
  fleet = await startFleet();
  await fleet.client.codes.upload('test/fixtures/workers/chatty', { name: 'chatty', stack: 'shell' });
  const task = await fleet.client.tasks.queue('chatty');
  nodeOfTask = (await fleet.client.tasks.wait(task.id, { timeoutMs: 120_000 })).node_id!;
});

afterAll(async () => {
  await fleet?.stop();
});

function family(families: Map<string, MetricFamily>, name: string, type: MetricFamily['type']): MetricFamily {
  const found = families.get(name);
  expect(found, `${name} on /metrics`).toBeDefined();
  expect(found!.type).toBe(type);
  expect(found!.help).not.toBe('');
  return found!;
}

function value(f: MetricFamily, name: string, labels: Record<string, string>): number | undefined {
  return f.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('GET /metrics on the server', () => {
  it('parses as Prometheus text and has every dockhand_* family with the task just run', async () => {
    const response = await fetch(`${fleet.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusText(await response.text());

    const tasks = family(families, 'dockhand_tasks_total', 'counter');
    for (const status of ['queued', 'preparing', 'running', 'complete']) expect(value(tasks, 'dockhand_tasks_total', { status, code: 'chatty' })).toBe(1);
    const duration = family(families, 'dockhand_task_duration_seconds', 'histogram');
    expect(value(duration, 'dockhand_task_duration_seconds_count', { code: 'chatty', status: 'complete' })).toBe(1);
    const wait = family(families, 'dockhand_task_queue_wait_seconds', 'histogram');
    expect(value(wait, 'dockhand_task_queue_wait_seconds_count', { cluster: 'default' })).toBe(1);
    const containers = family(families, 'dockhand_container_operation_seconds', 'histogram');
    for (const operation of ['create', 'start', 'remove']) expect(value(containers, 'dockhand_container_operation_seconds_count', { operation })).toBe(1);
    expect(value(family(families, 'dockhand_queue_depth', 'gauge'), 'dockhand_queue_depth', { cluster: 'default' })).toBe(0);
    const node = nodeOfTask;
    expect(value(family(families, 'dockhand_node_running_tasks', 'gauge'), 'dockhand_node_running_tasks', { node })).toBe(0);
    expect(value(family(families, 'dockhand_node_free_slots', 'gauge'), 'dockhand_node_free_slots', { node })).toBe(2);
    expect(value(family(families, 'dockhand_log_bytes_total', 'counter'), 'dockhand_log_bytes_total', { stream: 'stdout' })).toBeGreaterThan(0);
    family(families, 'dockhand_reconciler_removals_total', 'counter');
    family(families, 'dockhand_span_export_failures_total', 'counter');
    family(families, 'dockhand_progress_updates_total', 'counter');
  });

  it('shows the depth of a queue with tasks waiting', async () => {
    // No worker serves this cluster, so the task stays queued.
    const queued = await fleet.client.tasks.queue('chatty', { cluster: 'nobody-serves' });
    const families = parsePrometheusText(await (await fetch(`${fleet.url}/metrics`)).text());
    expect(value(families.get('dockhand_queue_depth')!, 'dockhand_queue_depth', { cluster: 'nobody-serves' })).toBe(1);
    await fleet.client.tasks.cancel(queued.id);
  });
});

describe('GET /metrics on a worker-only process', () => {
  it('is served on --metrics-port and shows the node\'s slots', async () => {
    const port = await freePort();
    const nodeId = `metrics-${fleet.prefix.split(':')[1]}`;
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/dockhand.js'), 'worker', '--cluster', 'metrics-only', '--concurrency', '3', '--node-id', nodeId, '--metrics-port', String(port)], {
      cwd: REPO_ROOT,
      env: { ...process.env, DOCKHAND_REDIS_PREFIX: fleet.prefix, DOCKHAND_HOST: '127.0.0.1', DOCKHAND_DATA_DIR: fleet.dataDir, DOCKHAND_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      let text: string | undefined;
      for (let i = 0; i < 300 && text === undefined; i++) {
        text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => (r.ok ? r.text() : undefined), () => undefined);
        if (text === undefined) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(text, `worker metrics never answered; its stderr: ${stderr}`).toBeDefined();
      const families = parsePrometheusText(text!);
      expect(value(family(families, 'dockhand_node_free_slots', 'gauge'), 'dockhand_node_free_slots', { node: nodeId })).toBe(3);
      expect(value(family(families, 'dockhand_node_running_tasks', 'gauge'), 'dockhand_node_running_tasks', { node: nodeId })).toBe(0);
      expect(value(family(families, 'dockhand_queue_depth', 'gauge'), 'dockhand_queue_depth', { cluster: 'metrics-only' })).toBe(0);
      expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
