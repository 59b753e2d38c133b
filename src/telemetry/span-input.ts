/**
 * Spans that arrive from outside Dockhand (a task's `##dockhand span` line, a client's OTLP export)
 * are untrusted input: parsed with zod, bounded in size, and forced into the trace they claim to
 * belong to. Pure.
 *
 *   const parsed = parseIncomingSpan(JSON.parse(line), { traceId, parentSpanId: runSpanId, service: 'task' });
 *   if (parsed.ok) telemetry.ingest([parsed.span]);
 */
import { z } from 'zod';
import { SPAN_ID_PATTERN, TRACE_ID_PATTERN, randomSpanId } from './trace-context.ts';
import { roundMicros, type SpanAttributeValue, type SpanRecord } from './span-record.ts';

export const INCOMING_SPAN_LIMITS = {
  nameChars: 200,
  attributes: 64,
  keyChars: 128,
  stringChars: 1024,
  arrayItems: 64,
  links: 16,
} as const;

const attributeValue = z.union([
  z.string(),
  z.number().finite(),
  z.boolean(),
  z.array(z.string()),
  z.array(z.number().finite()),
  z.array(z.boolean()),
]);

const statusSchema = z.union([
  z.enum(['unset', 'ok', 'error']).transform((code) => ({ code })),
  z.object({ code: z.enum(['unset', 'ok', 'error']), message: z.string().max(1024).optional() }),
]);

export const IncomingSpanSchema = z.object({
  trace_id: z.string().regex(TRACE_ID_PATTERN).optional(),
  span_id: z.string().regex(SPAN_ID_PATTERN).optional(),
  parent_span_id: z.string().regex(SPAN_ID_PATTERN).optional(),
  name: z.string().min(1).max(INCOMING_SPAN_LIMITS.nameChars),
  kind: z.enum(['internal', 'server', 'client', 'producer', 'consumer']).default('internal'),
  start: z.number().finite().positive(),
  end: z.number().finite().positive(),
  attributes: z.record(z.string().min(1).max(INCOMING_SPAN_LIMITS.keyChars), attributeValue).optional(),
  status: statusSchema.optional(),
  links: z.array(z.object({ trace_id: z.string().regex(TRACE_ID_PATTERN), span_id: z.string().regex(SPAN_ID_PATTERN) })).max(INCOMING_SPAN_LIMITS.links).optional(),
});

export type IncomingSpan = z.input<typeof IncomingSpanSchema>;

export interface IncomingSpanDefaults {
  /** The trace the span must belong to. */
  traceId: string;
  /** Parent for a span that names none (for a task: its `run` span). */
  parentSpanId?: string;
  service: string;
  /** Attributes every accepted span carries (e.g. dockhand.task.id); they win over the span's own. */
  attributes?: Record<string, SpanAttributeValue>;
}

export type ParsedSpan = { ok: true; span: SpanRecord } | { ok: false; reason: string };

export function parseIncomingSpan(value: unknown, defaults: IncomingSpanDefaults): ParsedSpan {
  const parsed = IncomingSpanSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `${issue?.path.join('.') || 'span'}: ${issue?.message ?? 'invalid'}` };
  }
  const span = parsed.data;
  if (span.trace_id !== undefined && span.trace_id !== defaults.traceId) {
    return { ok: false, reason: `trace_id ${span.trace_id} is not this task's trace (${defaults.traceId})` };
  }
  if (span.end < span.start) return { ok: false, reason: 'end is before start' };
  const record: SpanRecord = {
    trace_id: defaults.traceId,
    span_id: span.span_id ?? randomSpanId(),
    name: span.name,
    kind: span.kind,
    start: roundMicros(span.start),
    end: roundMicros(span.end),
    attributes: { ...boundedAttributes(span.attributes ?? {}), ...defaults.attributes },
    status: span.status ?? { code: 'unset' },
    service: defaults.service,
  };
  const parent = span.parent_span_id ?? defaults.parentSpanId;
  if (parent !== undefined && parent !== record.span_id) record.parent_span_id = parent;
  if (span.links?.length) record.links = span.links.map((l) => ({ trace_id: l.trace_id, span_id: l.span_id }));
  return { ok: true, span: record };
}

/** Keeps the first N attributes, truncates long strings and arrays, so one span stays small. */
export function boundedAttributes(attributes: Record<string, SpanAttributeValue>): Record<string, SpanAttributeValue> {
  const out: Record<string, SpanAttributeValue> = {};
  let count = 0;
  for (const [key, value] of Object.entries(attributes)) {
    if (count++ >= INCOMING_SPAN_LIMITS.attributes) break;
    if (typeof value === 'string') out[key] = value.slice(0, INCOMING_SPAN_LIMITS.stringChars);
    else if (Array.isArray(value)) {
      const items = value.slice(0, INCOMING_SPAN_LIMITS.arrayItems);
      out[key] = (typeof items[0] === 'string' ? (items as string[]).map((s) => s.slice(0, INCOMING_SPAN_LIMITS.stringChars)) : items);
    } else out[key] = value;
  }
  return out;
}
