import { describe, expect, it } from 'vitest';
import { carrierOf, parseTraceparent, remoteSpanContext, spanContextOf, traceparentOf } from './trace-context.ts';

describe('W3C trace context carriers', () => {
  it('writes and reads back a traceparent', () => {
    const context = remoteSpanContext('4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7');
    expect(traceparentOf(context)).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    expect(spanContextOf(carrierOf(context))).toMatchObject({ traceId: context.traceId, spanId: context.spanId, isRemote: true });
  });

  it('finds nothing in an empty, malformed or all-zero carrier', () => {
    expect(spanContextOf(undefined)).toBeUndefined();
    expect(spanContextOf({ traceparent: 'nonsense' })).toBeUndefined();
    expect(parseTraceparent('00-00000000000000000000000000000000-00f067aa0ba902b7-01')).toBeUndefined();
  });

  it('ignores fields other than traceparent and tracestate', () => {
    expect(spanContextOf({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', other: 5 })?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });
});

describe('random ids', () => {
  it('are valid W3C ids and do not repeat', async () => {
    const { randomSpanId, randomTraceId } = await import('./trace-context.ts');
    const spans = new Set(Array.from({ length: 2000 }, () => randomSpanId()));
    const traces = new Set(Array.from({ length: 2000 }, () => randomTraceId()));
    expect(spans.size).toBe(2000);
    expect(traces.size).toBe(2000);
    for (const id of spans) expect(id).toMatch(/^(?!0{16})[0-9a-f]{16}$/);
    for (const id of traces) expect(id).toMatch(/^(?!0{32})[0-9a-f]{32}$/);
  });
});
