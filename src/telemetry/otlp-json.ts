/**
 * OTLP/HTTP JSON (`ExportTraceServiceRequest`, content type application/json) to and from span
 * records, for `POST /v1/traces`, where clients send the spans of their calls to Dockhand. Follows
 * the OTLP JSON mapping: ids in hex, times as decimal strings of Unix nanoseconds, enums as numbers,
 * attribute values as `{stringValue | intValue | doubleValue | boolValue | arrayValue}`. Pure.
 *
 *   const spans = decodeOtlpTraces(body);          // SpanRecord[] (throws a ZodError on bad input)
 *   const body = encodeOtlpTraces(spans, 'dockhand-client');   // from otlp-json-encode.ts
 */
import { z } from 'zod';
import type { SpanAttributeValue, SpanKindName, SpanRecord, SpanStatusName } from './span-record.ts';
import { roundMicros } from './span-record.ts';
import { SPAN_ID_PATTERN, TRACE_ID_PATTERN } from './trace-context.ts';

// The encoder lives apart so the SDK can send spans without loading zod or OpenTelemetry.

const KIND_BY_NUMBER: Record<number, SpanKindName> = { 0: 'internal', 1: 'internal', 2: 'server', 3: 'client', 4: 'producer', 5: 'consumer' };
const STATUS_BY_NUMBER: Record<number, SpanStatusName> = { 0: 'unset', 1: 'ok', 2: 'error' };

const nanos = z.union([z.string().regex(/^\d{1,20}$/), z.number().nonnegative()]);

const scalarValue = z.object({
  stringValue: z.string().optional(),
  intValue: z.union([z.string().regex(/^-?\d{1,20}$/), z.number()]).optional(),
  doubleValue: z.union([z.number(), z.string()]).optional(),
  boolValue: z.boolean().optional(),
});

const anyValue = scalarValue.extend({
  arrayValue: z.object({ values: z.array(scalarValue).max(256).optional() }).optional(),
});

const keyValue = z.object({ key: z.string().max(256), value: anyValue.optional() });

const otlpSpan = z.object({
  traceId: z.string().regex(TRACE_ID_PATTERN),
  spanId: z.string().regex(SPAN_ID_PATTERN),
  parentSpanId: z.union([z.string().regex(SPAN_ID_PATTERN), z.literal('')]).optional(),
  name: z.string().min(1).max(512),
  kind: z.number().int().optional(),
  startTimeUnixNano: nanos,
  endTimeUnixNano: nanos,
  attributes: z.array(keyValue).max(256).optional(),
  status: z.object({ code: z.number().int().optional(), message: z.string().optional() }).optional(),
  links: z.array(z.object({ traceId: z.string().regex(TRACE_ID_PATTERN), spanId: z.string().regex(SPAN_ID_PATTERN), attributes: z.array(keyValue).optional() })).max(128).optional(),
});

export const OtlpTraceRequestSchema = z.object({
  resourceSpans: z.array(
    z.object({
      resource: z.object({ attributes: z.array(keyValue).optional() }).optional(),
      scopeSpans: z.array(z.object({ spans: z.array(otlpSpan).optional() })).optional(),
    }),
  ),
});

export type OtlpTraceRequest = z.infer<typeof OtlpTraceRequestSchema>;

export function decodeOtlpTraces(body: unknown): SpanRecord[] {
  const request = OtlpTraceRequestSchema.parse(body);
  const records: SpanRecord[] = [];
  for (const resourceSpans of request.resourceSpans) {
    const resource = attributesOf(resourceSpans.resource?.attributes);
    const service = typeof resource['service.name'] === 'string' ? resource['service.name'] : undefined;
    for (const scope of resourceSpans.scopeSpans ?? []) {
      for (const span of scope.spans ?? []) {
        const record: SpanRecord = {
          trace_id: span.traceId,
          span_id: span.spanId,
          name: span.name,
          kind: KIND_BY_NUMBER[span.kind ?? 1] ?? 'internal',
          start: nanosToMs(span.startTimeUnixNano),
          end: nanosToMs(span.endTimeUnixNano),
          attributes: attributesOf(span.attributes),
          status: { code: STATUS_BY_NUMBER[span.status?.code ?? 0] ?? 'unset', ...(span.status?.message ? { message: span.status.message } : {}) },
        };
        if (span.parentSpanId) record.parent_span_id = span.parentSpanId;
        if (span.links?.length) record.links = span.links.map((l) => ({ trace_id: l.traceId, span_id: l.spanId }));
        if (service) record.service = service;
        records.push(record);
      }
    }
  }
  return records;
}

export function nanosToMs(value: string | number): number {
  if (typeof value === 'number') return roundMicros(value / 1e6);
  // Nanosecond strings exceed double precision; split into whole milliseconds and the rest.
  const whole = value.length > 6 ? Number(value.slice(0, -6)) : 0;
  const rest = Number(value.slice(-6)) / 1e6;
  return roundMicros(whole + rest);
}

export type ScalarValue = z.infer<typeof scalarValue>;
export type AnyValue = z.infer<typeof anyValue>;

function attributesOf(list: Array<{ key: string; value?: AnyValue | undefined }> | undefined): Record<string, SpanAttributeValue> {
  const out: Record<string, SpanAttributeValue> = {};
  for (const { key, value } of list ?? []) {
    if (!value) continue;
    if (value.arrayValue) {
      const items = (value.arrayValue.values ?? []).map(scalarOf).filter((v): v is string | number | boolean => v !== undefined);
      out[key] = items.every((v) => typeof v === 'string') ? (items) : items.every((v) => typeof v === 'number') ? (items) : items.map(String);
      continue;
    }
    const scalar = scalarOf(value);
    if (scalar !== undefined) out[key] = scalar;
  }
  return out;
}

function scalarOf(value: ScalarValue): string | number | boolean | undefined {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return Number(value.doubleValue);
  return undefined;
}
