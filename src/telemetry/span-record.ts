/**
 * One finished span as Dockhand stores it and the API returns it: plain JSON with ids in hex and
 * times in Unix epoch milliseconds (fractions keep microseconds). Converts from the OpenTelemetry
 * SDK's ReadableSpan (our own spans) and back (spans that arrive from tasks and clients, so they
 * reach every exporter the same way).
 *
 *   const record = toSpanRecord(readableSpan);
 *   // { trace_id, span_id, parent_span_id, name, kind, start, end, attributes, status, links, service }
 */
import { SpanKind, SpanStatusCode, type Attributes, type AttributeValue, type HrTime, type Link } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ATTR } from './attributes.ts';
import { remoteSpanContext } from './trace-context.ts';

export type SpanKindName = 'internal' | 'server' | 'client' | 'producer' | 'consumer';
export type SpanStatusName = 'unset' | 'ok' | 'error';
export type SpanAttributeValue = string | number | boolean | string[] | number[] | boolean[];

export interface SpanLinkRecord {
  trace_id: string;
  span_id: string;
  attributes?: Record<string, SpanAttributeValue>;
}

export interface SpanRecord {
  trace_id: string;
  span_id: string;
  parent_span_id?: string;
  name: string;
  kind: SpanKindName;
  /** Unix epoch milliseconds. */
  start: number;
  end: number;
  attributes: Record<string, SpanAttributeValue>;
  status: { code: SpanStatusName; message?: string };
  links?: SpanLinkRecord[];
  /** `service.name` of the process that recorded it. */
  service?: string;
}

const KIND_NAMES: Record<SpanKind, SpanKindName> = {
  [SpanKind.INTERNAL]: 'internal',
  [SpanKind.SERVER]: 'server',
  [SpanKind.CLIENT]: 'client',
  [SpanKind.PRODUCER]: 'producer',
  [SpanKind.CONSUMER]: 'consumer',
};

const KINDS: Record<SpanKindName, SpanKind> = {
  internal: SpanKind.INTERNAL,
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
};

const STATUS_NAMES: Record<SpanStatusCode, SpanStatusName> = {
  [SpanStatusCode.UNSET]: 'unset',
  [SpanStatusCode.OK]: 'ok',
  [SpanStatusCode.ERROR]: 'error',
};

const STATUSES: Record<SpanStatusName, SpanStatusCode> = { unset: SpanStatusCode.UNSET, ok: SpanStatusCode.OK, error: SpanStatusCode.ERROR };

export function kindName(kind: SpanKind): SpanKindName {
  return KIND_NAMES[kind] ?? 'internal';
}

export function hrTimeToMs(time: HrTime): number {
  return roundMicros(time[0] * 1000 + time[1] / 1e6);
}

export function msToHrTime(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000);
  // Records keep microseconds; rounding there keeps float noise out of the nanoseconds.
  const nanos = Math.round((ms - seconds * 1000) * 1000) * 1000;
  return nanos >= 1e9 ? [seconds + 1, nanos - 1e9] : [seconds, nanos];
}

export function roundMicros(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

export function toSpanRecord(span: ReadableSpan): SpanRecord {
  const context = span.spanContext();
  const record: SpanRecord = {
    trace_id: context.traceId,
    span_id: context.spanId,
    name: span.name,
    kind: kindName(span.kind),
    start: hrTimeToMs(span.startTime),
    end: hrTimeToMs(span.endTime),
    attributes: plainAttributes(span.attributes),
    status: { code: STATUS_NAMES[span.status.code] ?? 'unset', ...(span.status.message ? { message: span.status.message } : {}) },
  };
  if (span.parentSpanContext?.spanId) record.parent_span_id = span.parentSpanContext.spanId;
  if (span.links.length > 0) {
    record.links = span.links.map((link) => ({
      trace_id: link.context.traceId,
      span_id: link.context.spanId,
      ...(link.attributes && Object.keys(link.attributes).length > 0 ? { attributes: plainAttributes(link.attributes) } : {}),
    }));
  }
  const service = span.resource.attributes[ATTR.serviceName];
  if (typeof service === 'string') record.service = service;
  return record;
}

const SCOPE: InstrumentationScope = { name: 'dockhand' };

/** A ReadableSpan for a record made elsewhere, so SpanProcessors and exporters can take it. */
export function toReadableSpan(record: SpanRecord, resource: Resource = resourceFromAttributes({ [ATTR.serviceName]: record.service ?? 'unknown' })): ReadableSpan {
  const startTime = msToHrTime(record.start);
  const endTime = msToHrTime(record.end);
  const durationMs = Math.max(0, record.end - record.start);
  const links: Link[] = (record.links ?? []).map((link) => ({
    context: remoteSpanContext(link.trace_id, link.span_id),
    ...(link.attributes ? { attributes: link.attributes } : {}),
  }));
  return {
    name: record.name,
    kind: KINDS[record.kind],
    spanContext: () => ({ ...remoteSpanContext(record.trace_id, record.span_id), isRemote: false }),
    ...(record.parent_span_id ? { parentSpanContext: remoteSpanContext(record.trace_id, record.parent_span_id) } : {}),
    startTime,
    endTime,
    status: { code: STATUSES[record.status.code], ...(record.status.message ? { message: record.status.message } : {}) },
    attributes: { ...record.attributes },
    links,
    events: [],
    duration: msToHrTime(durationMs),
    ended: true,
    resource,
    instrumentationScope: SCOPE,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

function plainAttributes(attributes: Attributes): Record<string, SpanAttributeValue> {
  const plain: Record<string, SpanAttributeValue> = {};
  for (const [key, value] of Object.entries(attributes)) {
    const clean = plainValue(value);
    if (clean !== undefined) plain[key] = clean;
  }
  return plain;
}

function plainValue(value: AttributeValue | undefined): SpanAttributeValue | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) {
    const items = (value as unknown[]).filter((v) => v !== null && v !== undefined);
    return items as SpanAttributeValue;
  }
  return value;
}
