import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { hrTimeToMs, msToHrTime, toReadableSpan, toSpanRecord, type SpanRecord } from './span-record.ts';

describe('span records', () => {
  it('turns epoch milliseconds into OpenTelemetry\'s [seconds, nanos] and back to the microsecond', () => {
    expect(msToHrTime(1732380000123.456)).toEqual([1732380000, 123456000]);
    expect(hrTimeToMs([1732380000, 123456789])).toBe(1732380000123.457);
  });

  it('round-trips a record through a ReadableSpan, as an ingested span reaches the exporters', () => {
    const record: SpanRecord = {
      trace_id: 'ab'.repeat(16), span_id: 'cd'.repeat(8), parent_span_id: 'ef'.repeat(8), name: 'work', kind: 'producer',
      start: 1732380000000.5, end: 1732380000100.25, attributes: { n: 1 }, status: { code: 'error', message: 'bad' },
      links: [{ trace_id: '12'.repeat(16), span_id: '34'.repeat(8) }], service: 'svc',
    };
    const readable = toReadableSpan(record);
    expect(readable.kind).toBe(SpanKind.PRODUCER);
    expect(readable.status.code).toBe(SpanStatusCode.ERROR);
    expect(readable.parentSpanContext?.spanId).toBe('ef'.repeat(8));
    expect(toSpanRecord(readable)).toEqual(record);
  });
});
