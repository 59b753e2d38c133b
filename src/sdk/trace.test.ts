import { describe, expect, it } from 'vitest';
import { decodeOtlpTraces } from '../telemetry/otlp-json.ts';
import { ClientSpan, otlpExport } from './trace.ts';

describe('ClientSpan', () => {
  it('names itself in a W3C traceparent', () => {
    const span = ClientSpan.start('POST', 'http://127.0.0.1:8080/v1/tasks');
    expect(span.traceparent).toBe(`00-${span.traceId}-${span.spanId}-01`);
    expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
  });

  it('becomes an OTLP JSON export the server reads back as a client span with HTTP attributes', () => {
    const before = Date.now();
    const span = ClientSpan.start('POST', 'http://127.0.0.1:8080/v1/tasks');
    const [record] = decodeOtlpTraces(JSON.parse(JSON.stringify(otlpExport([span.finish(201, { 'dockhand.task.id': 'abc' })]))));
    expect(record).toMatchObject({
      trace_id: span.traceId,
      span_id: span.spanId,
      name: 'POST /v1/tasks',
      kind: 'client',
      status: { code: 'unset' },
      service: 'dockhand-client',
      attributes: { 'http.request.method': 'POST', 'url.full': 'http://127.0.0.1:8080/v1/tasks', 'server.address': '127.0.0.1', 'server.port': 8080, 'http.response.status_code': 201, 'dockhand.task.id': 'abc' },
    });
    expect(record!.start).toBeGreaterThanOrEqual(before - 2);
    expect(record!.end).toBeGreaterThanOrEqual(record!.start);
    expect(record!.parent_span_id).toBeUndefined();
  });

  it('marks a call the server refused or never answered as an error', () => {
    const refused = decodeOtlpTraces(otlpExport([ClientSpan.start('POST', 'http://x/v1/tasks').finish(503)]))[0]!;
    const unreachable = decodeOtlpTraces(otlpExport([ClientSpan.start('POST', 'http://x/v1/tasks').finish(0)]))[0]!;
    expect(refused.status.code).toBe('error');
    expect(refused.attributes['error.type']).toBe('503');
    expect(unreachable.attributes['error.type']).toBe('unreachable');
  });
});
