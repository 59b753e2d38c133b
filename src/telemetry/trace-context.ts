/**
 * W3C trace context (`traceparent`, `tracestate`) carried as a plain string map: with a queued task
 * (the way the bullmq-otel package carries it in job metadata), in HTTP headers, and as the
 * `TRACEPARENT` variable of a task. Uses OpenTelemetry's own W3C propagator, so parsing and
 * formatting follow the spec exactly.
 *
 *   const carrier = carrierOf(span.spanContext());   // { traceparent: '00-…-…-01' }
 *   const parent = spanContextOf(held.trace);        // SpanContext | undefined
 */
import { randomBytes } from 'node:crypto';
import { ROOT_CONTEXT, TraceFlags, defaultTextMapGetter, defaultTextMapSetter, isSpanContextValid, trace, type SpanContext } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/** The W3C fields as a string map; only `traceparent` and `tracestate` are ever set. */
export type TraceCarrier = Record<string, string>;

const propagator = new W3CTraceContextPropagator();

export function carrierOf(spanContext: SpanContext): TraceCarrier {
  const carrier: TraceCarrier = {};
  propagator.inject(trace.setSpanContext(ROOT_CONTEXT, spanContext), carrier, defaultTextMapSetter);
  return carrier;
}

/** The span context a carrier names, or undefined when it holds none or an invalid one. */
export function spanContextOf(carrier: Readonly<Record<string, unknown>> | undefined): SpanContext | undefined {
  if (!carrier) return undefined;
  const clean: TraceCarrier = {};
  for (const key of ['traceparent', 'tracestate']) {
    const value = carrier[key];
    if (typeof value === 'string') clean[key] = value;
  }
  const spanContext = trace.getSpanContext(propagator.extract(ROOT_CONTEXT, clean, defaultTextMapGetter));
  return spanContext && isSpanContextValid(spanContext) ? spanContext : undefined;
}

export function traceparentOf(spanContext: SpanContext): string {
  return carrierOf(spanContext)['traceparent'] ?? '';
}

export function parseTraceparent(value: string | undefined): SpanContext | undefined {
  return value ? spanContextOf({ traceparent: value }) : undefined;
}

// Ids are drawn from a pool filled a few kilobytes at a time: one system call per ~200 spans
// instead of one per id, on a path every task step takes.
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolAt = 0;

function randomHex(bytes: number): string {
  if (poolAt + bytes > pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolAt = 0;
  }
  const hex = pool.toString('hex', poolAt, poolAt + bytes);
  poolAt += bytes;
  // All zeros is the W3C "invalid" id; astronomically unlikely, but never hand one out.
  return /^0+$/.test(hex) ? randomHex(bytes) : hex;
}

export function randomTraceId(): string {
  return randomHex(16);
}

export function randomSpanId(): string {
  return randomHex(8);
}

/** A span context for ids that are known but whose span lives elsewhere (another process, a record). */
export function remoteSpanContext(traceId: string, spanId: string, sampled = true): SpanContext {
  return { traceId, spanId, traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE, isRemote: true };
}

export const TRACE_ID_PATTERN = /^[0-9a-f]{32}$/;
export const SPAN_ID_PATTERN = /^[0-9a-f]{16}$/;
