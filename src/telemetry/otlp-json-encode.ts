/**
 * Span records to OTLP/HTTP JSON (`ExportTraceServiceRequest`), the encoding half of otlp-json.ts. It
 * imports nothing at run time, so the SDK sends its client spans without loading zod or OpenTelemetry.
 *
 *   const body = encodeOtlpTraces(spans, 'dockhand-client');
 */
import type { AnyValue, OtlpTraceRequest, ScalarValue } from './otlp-json.ts';
import type { SpanAttributeValue, SpanKindName, SpanRecord, SpanStatusName } from './span-record.ts';

const NUMBER_BY_KIND: Record<SpanKindName, number> = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };
const NUMBER_BY_STATUS: Record<SpanStatusName, number> = { unset: 0, ok: 1, error: 2 };

export function encodeOtlpTraces(spans: readonly SpanRecord[], service: string): OtlpTraceRequest {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [
          {
            spans: spans.map((span) => ({
              traceId: span.trace_id,
              spanId: span.span_id,
              ...(span.parent_span_id ? { parentSpanId: span.parent_span_id } : {}),
              name: span.name,
              kind: NUMBER_BY_KIND[span.kind],
              startTimeUnixNano: msToNanos(span.start),
              endTimeUnixNano: msToNanos(span.end),
              attributes: Object.entries(span.attributes).map(([key, value]) => ({ key, value: encodeValue(value) })),
              status: { code: NUMBER_BY_STATUS[span.status.code], ...(span.status.message ? { message: span.status.message } : {}) },
              ...(span.links?.length ? { links: span.links.map((l) => ({ traceId: l.trace_id, spanId: l.span_id })) } : {}),
            })),
          },
        ],
      },
    ],
  };
}

export function msToNanos(ms: number): string {
  const whole = Math.floor(ms);
  const micros = Math.round((ms - whole) * 1000);
  return micros >= 1000 ? `${whole + 1}000000` : `${whole}${String(micros).padStart(3, '0')}000`;
}

function encodeValue(value: SpanAttributeValue): AnyValue {
  if (Array.isArray(value)) return { arrayValue: { values: (value as Array<string | number | boolean>).map((v) => encodeScalar(v)) } };
  return encodeScalar(value);
}

function encodeScalar(value: string | number | boolean): ScalarValue {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  return Number.isInteger(value) ? { intValue: value } : { doubleValue: value };
}
