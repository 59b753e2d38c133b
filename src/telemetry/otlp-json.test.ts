import { describe, expect, it } from 'vitest';
import { decodeOtlpTraces, nanosToMs } from './otlp-json.ts';
import { encodeOtlpTraces, msToNanos } from './otlp-json-encode.ts';
import type { SpanRecord } from './span-record.ts';

const record: SpanRecord = {
  trace_id: '0af7651916cd43dd8448eb211c80319c',
  span_id: 'b7ad6b7169203331',
  parent_span_id: '00f067aa0ba902b7',
  name: 'POST /v1/tasks',
  kind: 'client',
  start: 1732380000123.456,
  end: 1732380000130.001,
  attributes: { 'http.response.status_code': 201, 'url.full': 'http://x/v1/tasks', ok: true, ratio: 0.5, tags: ['a', 'b'] },
  status: { code: 'error', message: 'boom' },
  links: [{ trace_id: '1'.repeat(32), span_id: '2'.repeat(16) }],
  service: 'dockhand-client',
};

describe('OTLP JSON', () => {
  it('round-trips a span record through the OTLP JSON mapping', () => {
    expect(decodeOtlpTraces(JSON.parse(JSON.stringify(encodeOtlpTraces([record], 'dockhand-client'))))).toEqual([record]);
  });

  it('converts nanosecond strings beyond double precision exactly to the microsecond', () => {
    expect(nanosToMs('1732380000123456789')).toBe(1732380000123.457);
    expect(msToNanos(1732380000123.456)).toBe('1732380000123456000');
    expect(nanosToMs(1_000_000)).toBe(1);
  });

  it('reads what OpenTelemetry\'s own exporter sends (numbers for int values, kind and status as numbers)', () => {
    const body = {
      resourceSpans: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'x' } }], droppedAttributesCount: 0 },
        scopeSpans: [{ scope: { name: 'd' }, spans: [{
          traceId: 'f31a129f8b5ca2a030981091ecc118ae', spanId: '949a562a281bc39a', name: 'hello', kind: 5,
          startTimeUnixNano: '1795457277848000000', endTimeUnixNano: '1795457277854000000',
          attributes: [{ key: 'a', value: { intValue: 1 } }, { key: 'd', value: { doubleValue: 1.5 } }],
          droppedAttributesCount: 0, events: [], droppedEventsCount: 0, status: { code: 0 }, links: [], droppedLinksCount: 0, flags: 257,
        }] }],
      }],
    };
    expect(decodeOtlpTraces(body)).toEqual([{
      trace_id: 'f31a129f8b5ca2a030981091ecc118ae', span_id: '949a562a281bc39a', name: 'hello', kind: 'consumer',
      start: 1795457277848, end: 1795457277854, attributes: { a: 1, d: 1.5 }, status: { code: 'unset' }, service: 'x',
    }]);
  });

  it('rejects ids that are not hex of the right length', () => {
    expect(() => decodeOtlpTraces({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'xyz', spanId: '1', name: 'n', startTimeUnixNano: '1', endTimeUnixNano: '2' }] }] }] })).toThrow();
  });
});
