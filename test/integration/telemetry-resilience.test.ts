/**
 * Telemetry around a task's life on real Redis (and, for the full path, a real worker on Docker):
 * broken exporters never fail a task, a redelivered attempt is linked to the one before it, and every
 * task-related log line names the task and its trace.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { queueTask } from '../../src/service/tasks.ts';
import { AttemptTelemetry } from '../../src/telemetry/attempt-telemetry.ts';
import { startEnqueueSpan } from '../../src/telemetry/enqueue-span.ts';
import { createLogger } from '../../src/telemetry/logger.ts';
import { randomTraceId } from '../../src/telemetry/trace-context.ts';
import { startFleet, type TestFleet } from '../helpers/fleet.ts';

let fleet: TestFleet | undefined;
let collector: http.Server | undefined;

afterEach(async () => {
  await fleet?.stop();
  fleet = undefined;
  collector?.closeAllConnections();
  await new Promise<void>((resolve) => (collector ? collector.close(() => resolve()) : resolve()));
  collector = undefined;
});

/** A collector that refuses every export with 400, as a misconfigured one would. */
async function refusingCollector(): Promise<string> {
  collector = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(400, { 'content-type': 'application/json' }).end('{"message":"no"}'));
  });
  await new Promise<void>((resolve) => collector!.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
}

function metricValue(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('exporter failures', () => {
  it('never fail a task: a refusing collector and a broken span store are counted, and the task completes', async () => {
    fleet = await startFleet({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: await refusingCollector() } });
    await fleet.client.codes.upload('test/fixtures/workers/chatty', { name: 'chatty', stack: 'shell' });
    // Make every span write of this trace fail: its key holds a string, not a list.
    const traceId = randomTraceId();
    await fleet.ctx.redis.set(fleet.ctx.keys.traceSpans(traceId), 'not a list');
    const queued = await queueTask(fleet.ctx, fleet.projectId, { code_name: 'chatty' }, { traceId });
    expect(queued.trace_id).toBe(traceId);
    const done = await fleet.client.tasks.wait(queued.id, { timeoutMs: 120_000 });
    expect(done.status).toBe('complete');
    expect(done.result).toEqual({ lines: 5 });
    expect(await fleet.client.tasks.log(done.id)).toContain('out 4');
    await fleet.ctx.telemetry.forceFlush();
    const metrics = await (await fetch(`${fleet.url}/metrics`)).text();
    expect(metricValue(metrics, 'dockhand_span_export_failures_total', 'exporter="store"')).toBeGreaterThan(0);
    expect(metricValue(metrics, 'dockhand_span_export_failures_total', 'exporter="otlp"')).toBeGreaterThan(0);
    // The trace endpoint still answers; the spans the store could not keep are missing.
    const trace = await fleet.client.tasks.trace(done.id);
    expect(trace).toEqual({ task_id: done.id, trace_id: traceId, spans: [] });
  });
});

describe('a redelivered attempt', () => {
  it('is a second process span under the same enqueue, linked to the first attempt', async () => {
    fleet = await startFleet({ worker: false });
    const { ctx } = fleet;
    const send = startEnqueueSpan(ctx.telemetry, { request: {}, codeName: 'c', projectId: fleet.projectId, priority: 0, options: {} });
    send.succeeded({ id: 't'.repeat(24), project_id: fleet.projectId });
    const task = { id: 't'.repeat(24), code_name: 'c', trace_id: send.traceId, cluster: 'default' };
    const deps = { telemetry: ctx.telemetry, metrics: ctx.metrics, logger: ctx.logger, nodeId: 'n1' };
    const job = { taskId: task.id, cluster: 'default', enqueuedAt: Date.now() - 20, trace: send.carrier };

    const first = AttemptTelemetry.begin(deps, job);
    first.phase('claim');
    first.claimed(task, 1);
    first.phase('admission');
    first.finished('queued');
    await ctx.telemetry.forceFlush();

    const second = AttemptTelemetry.begin(deps, job);
    second.phase('claim');
    second.claimed(task, 2);
    // The link to attempt 1 is looked up in the background. The store's connection answers in order,
    // so once a read sent after that lookup returns, the lookup's answer has been taken in.
    await ctx.telemetry.store.attemptSpan(send.traceId, 1);
    second.phase('run');
    second.finished('complete', { exitCode: 0 });
    await ctx.telemetry.forceFlush();

    const spans = await ctx.telemetry.store.spans(send.traceId);
    const attempts = spans.filter((s) => s.name === 'process tasks-default').sort((a, b) => Number(a.attributes['dockhand.task.attempt']) - Number(b.attributes['dockhand.task.attempt']));
    expect(attempts).toHaveLength(2);
    const sendSpan = spans.find((s) => s.name === 'send tasks-default')!;
    expect(attempts.map((a) => a.parent_span_id)).toEqual([sendSpan.span_id, sendSpan.span_id]);
    expect(attempts[0]!.attributes['dockhand.task.status']).toBe('queued');
    expect(attempts[1]!.links).toEqual([{ trace_id: send.traceId, span_id: attempts[0]!.span_id, attributes: { 'dockhand.task.attempt': 1 } }]);
    expect(spans.filter((s) => s.name === 'queue wait')).toHaveLength(2);
  });
});

describe('an attempt that never got its task', () => {
  it('is recorded as an abandoned process span, not an error, when the claim did not go through', async () => {
    fleet = await startFleet({ worker: false });
    const { ctx } = fleet;
    const send = startEnqueueSpan(ctx.telemetry, { request: {}, codeName: 'c', projectId: fleet.projectId, priority: 0, options: {} });
    send.succeeded({ id: 'u'.repeat(24), project_id: fleet.projectId });
    const attempt = AttemptTelemetry.begin({ telemetry: ctx.telemetry, metrics: ctx.metrics, logger: ctx.logger, nodeId: 'n1' }, { taskId: 'u'.repeat(24), cluster: 'default', trace: send.carrier });
    attempt.phase('claim');
    attempt.abandoned('task is cancelled');
    attempt.finished('complete');
    await ctx.telemetry.forceFlush();
    const spans = await ctx.telemetry.store.spans(send.traceId);
    const processes = spans.filter((s) => s.name === 'process tasks-default');
    expect(processes).toHaveLength(1);
    expect(processes[0]).toMatchObject({ status: { code: 'unset' }, attributes: { 'dockhand.attempt.abandoned': 'task is cancelled', 'dockhand.task.id': 'u'.repeat(24) } });
  });
});

describe('queueing the same task twice', () => {
  it('records one enqueue span in the task\'s trace and no stray one', async () => {
    fleet = await startFleet({ worker: false });
    await fleet.client.codes.upload('test/fixtures/workers/chatty', { name: 'chatty', stack: 'shell' });
    const taskId = 'a1'.repeat(12);
    const first = await queueTask(fleet.ctx, fleet.projectId, { code_name: 'chatty' }, { taskId });
    const again = await queueTask(fleet.ctx, fleet.projectId, { code_name: 'chatty' }, { taskId });
    expect(again.trace_id).toBe(first.trace_id);
    await fleet.ctx.telemetry.forceFlush();
    const sends = (await fleet.ctx.telemetry.store.spans(first.trace_id)).filter((s) => s.name === 'send tasks-default');
    expect(sends).toHaveLength(1);
    expect(sends[0]!.attributes['dockhand.task.id']).toBe(taskId);
  });
});

describe('Dockhand\'s own logs', () => {
  it('carry task_id and trace_id on every line about a task', async () => {
    const lines: Record<string, unknown>[] = [];
    const capture = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    fleet = await startFleet({ logger: createLogger('debug', { destination: capture, format: 'json' }) });
    await fleet.client.codes.upload('test/fixtures/workers/chatty', { name: 'chatty', stack: 'shell' });
    const queued = await fleet.client.tasks.queue('chatty');
    const done = await fleet.client.tasks.wait(queued.id, { timeoutMs: 120_000 });
    const about = (): Record<string, unknown>[] => lines.filter((l) => JSON.stringify(l).includes(done.id));
    // The node writes 'attempt ended' once the task's end is recorded, so it may follow the wait by a moment.
    await expect.poll(() => about().some((l) => l['msg'] === 'attempt ended'), { timeout: 5000 }).toBe(true);
    for (const line of about()) expect(line).toMatchObject({ task_id: done.id, trace_id: done.trace_id });
  });
});
