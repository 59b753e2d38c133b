/**
 * One OpenTelemetry trace per task, end to end on a real fleet (API, BullMQ on Redis, a worker on
 * Docker): every step from the SDK call to the container's removal, in the embedded span store and,
 * identically, at a real OTLP/HTTP receiver; user code continuing the trace through TRACEPARENT.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task, TraceSpan } from '../../src/sdk/index.ts';
import { dockhand } from '../helpers/cli.ts';
import { startFleet, type TestFleet } from '../helpers/fleet.ts';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.ts';

let fleet: TestFleet;
let receiver: OtlpReceiver;

const STEPS = ['admission', 'claim', 'prepare', 'container create', 'container start', 'run', 'collect logs', 'result', 'container remove', 'finish'];

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  fleet = await startFleet({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint } });
  await fleet.client.codes.upload('test/fixtures/workers/chatty', { name: 'chatty', stack: 'shell' });
  await fleet.client.codes.upload('examples/traced-node', { name: 'traced', stack: 'node-20' });
});

afterAll(async () => {
  await fleet?.stop();
  await receiver?.close();
});

async function runTask(code: string, payload?: unknown): Promise<{ task: Task; spans: TraceSpan[]; e2eMs: number }> {
  const started = Date.now();
  const queued = await fleet.client.tasks.queue(code, payload === undefined ? {} : { payload });
  const task = await fleet.client.tasks.wait(queued.id, { timeoutMs: 120_000 });
  const e2eMs = Date.now() - started;
  await fleet.client.flush();
  const trace = await fleet.client.tasks.trace(task.id);
  expect(trace.trace_id).toBe(task.trace_id);
  return { task, spans: trace.spans, e2eMs };
}

function byName(spans: TraceSpan[], name: string, kind?: TraceSpan['kind']): TraceSpan {
  const found = spans.find((s) => s.name === name && (kind === undefined || s.kind === kind));
  if (!found) throw new Error(`no span "${name}"${kind ? ` (${kind})` : ''} in: ${spans.map((s) => s.name).join(', ')}`);
  return found;
}

/** Milliseconds of [from, to] that no span covers. */
function uncovered(spans: TraceSpan[], from: number, to: number): number {
  const intervals = spans.map((s) => [Math.max(s.start, from), Math.min(s.end, to)] as const).filter(([a, b]) => b > a).sort((a, b) => a[0] - b[0]);
  let gap = 0;
  let reached = from;
  for (const [a, b] of intervals) {
    if (a > reached) gap += a - reached;
    reached = Math.max(reached, b);
  }
  return gap + Math.max(0, to - reached);
}

describe('a task\'s trace', () => {
  let task: Task;
  let spans: TraceSpan[];
  let e2eMs: number;

  beforeAll(async () => {
    ({ task, spans, e2eMs } = await runTask('chatty'));
  });

  it('has one trace id, the task\'s, from the SDK call to the container\'s removal', () => {
    expect(task.status).toBe('complete');
    expect(task.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(spans.map((s) => s.trace_id))).toEqual(new Set([task.trace_id]));
    const names = spans.map((s) => s.name);
    for (const name of ['POST /v1/tasks', 'send tasks-default', 'queue wait', 'process tasks-default', ...STEPS, 'prepare code', 'prepare image']) expect(names).toContain(name);
  });

  it('links every span to the right parent', () => {
    const client = byName(spans, 'POST /v1/tasks', 'client');
    const server = byName(spans, 'POST /v1/tasks', 'server');
    const send = byName(spans, 'send tasks-default');
    const wait = byName(spans, 'queue wait');
    const attempt = byName(spans, 'process tasks-default');
    const prepare = byName(spans, 'prepare');
    expect(client.parent_span_id).toBeUndefined();
    expect(server.parent_span_id).toBe(client.span_id);
    expect(send.parent_span_id).toBe(server.span_id);
    expect(wait.parent_span_id).toBe(send.span_id);
    expect(attempt.parent_span_id).toBe(send.span_id);
    for (const step of STEPS) expect(byName(spans, step).parent_span_id).toBe(attempt.span_id);
    expect(byName(spans, 'prepare code').parent_span_id).toBe(prepare.span_id);
    expect(byName(spans, 'prepare image').parent_span_id).toBe(prepare.span_id);
  });

  it('follows the semantic conventions and names the task, code and node everywhere', () => {
    const client = byName(spans, 'POST /v1/tasks', 'client');
    const server = byName(spans, 'POST /v1/tasks', 'server');
    expect(client.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.response.status_code': 201, 'dockhand.task.id': task.id });
    expect(server.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/v1/tasks', 'http.response.status_code': 201, 'url.path': '/v1/tasks' });
    expect(byName(spans, 'send tasks-default')).toMatchObject({ kind: 'producer', attributes: { 'messaging.system.name': 'dockhand', 'messaging.operation.type': 'send', 'messaging.destination.name': 'tasks-default', 'messaging.message.id': task.id } });
    expect(byName(spans, 'process tasks-default')).toMatchObject({ kind: 'consumer', attributes: { 'messaging.operation.type': 'process', 'messaging.destination.name': 'tasks-default', 'dockhand.task.attempt': 1, 'dockhand.task.status': 'complete' } });
    for (const step of ['container create', 'container start', 'run', 'container remove']) {
      expect(byName(spans, step).attributes).toMatchObject({ 'container.name': `dh-${task.id}-1`, 'container.id': expect.stringMatching(/^[0-9a-f]{64}$/), 'container.image.name': expect.stringContaining('shell') });
    }
    expect(byName(spans, 'run').attributes['process.exit.code']).toBe(0);
    for (const span of spans.filter((s) => s.kind !== 'client' && s.kind !== 'server')) {
      expect(span.attributes['dockhand.task.id']).toBe(task.id);
      expect(span.attributes['dockhand.code.name']).toBe('chatty');
    }
    const workerSpans = spans.filter((s) => !['client', 'server', 'producer'].includes(s.kind));
    for (const span of workerSpans) expect(span.attributes['dockhand.node.id']).toBe(task.node_id);
  });

  it('accounts for the end-to-end time: the steps follow each other without gaps and add up', () => {
    const client = byName(spans, 'POST /v1/tasks', 'client');
    const attempt = byName(spans, 'process tasks-default');
    const steps = spans.filter((s) => s.parent_span_id === attempt.span_id).sort((a, b) => a.start - b.start || a.end - b.end);
    expect(steps.map((s) => s.name)).toEqual(STEPS);
    for (let i = 1; i < steps.length; i++) expect(steps[i]!.start).toBeCloseTo(steps[i - 1]!.end, 3);
    const sum = steps.reduce((total, s) => total + (s.end - s.start), 0);
    expect(Math.abs(sum - (attempt.end - attempt.start))).toBeLessThan(1);
    // From the call to the removal, every millisecond is inside some span.
    expect(uncovered(spans, client.start, attempt.end)).toBeLessThan(5);
    const traced = attempt.end - client.start;
    expect(traced).toBeGreaterThan(0);
    expect(traced).toBeLessThanOrEqual(e2eMs + 5);
    // The run span is the container's run as the task record has it.
    const run = byName(spans, 'run');
    expect(Math.abs(run.end - run.start - (task.duration ?? NaN))).toBeLessThan(5);
  });

  it('sends the same spans to the OTLP collector, with their parents and attributes', async () => {
    await fleet.ctx.telemetry.forceFlush();
    const received = await receiver.waitFor((all) => all.filter((s) => s.traceId === task.trace_id).length >= spans.length);
    const mine = received.filter((s) => s.traceId === task.trace_id);
    expect(receiver.contentTypes).toContain('application/json');
    for (const span of spans) {
      const twin = mine.find((r) => r.spanId === span.span_id);
      expect(twin, `span ${span.name} at the collector`).toBeDefined();
      expect(twin!.name).toBe(span.name);
      expect(twin!.parentSpanId).toBe(span.parent_span_id);
      for (const key of ['dockhand.task.id', 'dockhand.code.name', 'dockhand.node.id', 'messaging.destination.name', 'container.id']) {
        if (span.attributes[key] !== undefined) expect(twin!.attributes[key]).toEqual(span.attributes[key]);
      }
    }
    expect(mine.find((s) => s.name === 'process tasks-default')!.resource['service.name']).toBe('dockhand');
    expect(mine.find((s) => s.kind === 3)!.resource['service.name']).toBe('dockhand-client');
  });
});

describe('dockhand task trace', () => {
  it('draws the waterfall, one row per span with its duration, and prints the spans with --json', async () => {
    const { task, spans } = await runTask('chatty');
    const drawn = await dockhand(['task', 'trace', task.id], { ...fleet.env, COLUMNS: '120' });
    expect(drawn.code).toBe(0);
    expect(drawn.stderr).toContain(`trace ${task.trace_id} of task ${task.id}: ${spans.length} spans`);
    const rows = drawn.stdout.trimEnd().split('\n');
    expect(rows).toHaveLength(spans.length + 1);
    expect(rows.find((r) => r.startsWith('        run '))).toMatch(/█+ +\d+(\.\d+)? (ms|s)$/);
    expect(rows.some((r) => r.startsWith('      process tasks-default '))).toBe(true);
    const json = JSON.parse((await dockhand(['--json', 'task', 'trace', task.id], fleet.env)).stdout);
    expect(json).toEqual({ task_id: task.id, trace_id: task.trace_id, spans });
  });
});

describe('TRACEPARENT in the task', () => {
  it('carries the task\'s trace id, and the example\'s own spans are children of run', async () => {
    const { task, spans } = await runTask('traced', { items: 3 });
    expect(task.status).toBe('complete');
    expect((task.result as { trace_id: string }).trace_id).toBe(task.trace_id);
    const run = byName(spans, 'run');
    const work = byName(spans, 'process items');
    expect(work.parent_span_id).toBe(run.span_id);
    expect(work.attributes).toMatchObject({ 'items.count': 3, 'dockhand.task.id': task.id, 'dockhand.span.source': 'task' });
    for (const i of [1, 2, 3]) expect(byName(spans, `item ${i}`).parent_span_id).toBe(work.span_id);
    expect(work.start).toBeGreaterThanOrEqual(run.start - 5);
    expect(work.end).toBeLessThanOrEqual(run.end + 5);
    expect(task).toMatchObject({ percent: 100, msg: 'item 3 of 3' });
    const log = await fleet.client.tasks.log(task.id);
    expect(log).toContain('processing 3 items');
    expect(log).not.toContain('##dockhand');
    await fleet.ctx.telemetry.forceFlush();
    const atCollector = await receiver.waitFor((all) => all.some((s) => s.spanId === work.span_id));
    const twin = atCollector.find((s) => s.spanId === work.span_id)!;
    expect(twin.parentSpanId).toBe(run.span_id);
    expect(twin.resource['service.name']).toBe('traced');
  });
});

describe('retries', () => {
  it('give the retried task its own trace, linked to the attempt it repeats', async () => {
    const { task: first, spans: firstSpans } = await runTask('chatty');
    const retried = await fleet.client.tasks.retry(first.id);
    const done = await fleet.client.tasks.wait(retried.id, { timeoutMs: 120_000 });
    await fleet.client.flush();
    const { spans } = await fleet.client.tasks.trace(done.id);
    expect(done.trace_id).not.toBe(first.trace_id);
    const send = byName(spans, 'send tasks-default');
    expect(send.attributes['dockhand.task.retry_of']).toBe(first.id);
    expect(send.links).toEqual([{ trace_id: first.trace_id, span_id: byName(firstSpans, 'process tasks-default').span_id }]);
  });
});
