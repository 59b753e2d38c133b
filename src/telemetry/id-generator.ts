/**
 * OpenTelemetry's id generator, plus the ability to hand a span an id chosen in advance. A task's
 * `run` span must exist in the container's TRACEPARENT before the container is created, and a task
 * queued with a given trace id must start its trace with it; `withIds` makes the next span started
 * inside the callback take those ids. Span starts are synchronous, so nothing else can take them.
 *
 *   const span = ids.withIds({ spanId: runSpanId }, () => tracer.startSpan('run', {}, parent));
 */
import type { IdGenerator } from '@opentelemetry/sdk-trace-base';
import { randomSpanId, randomTraceId } from './trace-context.ts';

export class ReservingIdGenerator implements IdGenerator {
  private nextTraceId: string | undefined;
  private nextSpanId: string | undefined;

  generateTraceId(): string {
    const id = this.nextTraceId ?? randomTraceId();
    this.nextTraceId = undefined;
    return id;
  }

  generateSpanId(): string {
    const id = this.nextSpanId ?? randomSpanId();
    this.nextSpanId = undefined;
    return id;
  }

  withIds<T>(ids: { traceId?: string | undefined; spanId?: string | undefined }, start: () => T): T {
    this.nextTraceId = ids.traceId;
    this.nextSpanId = ids.spanId;
    try {
      return start();
    } finally {
      this.nextTraceId = undefined;
      this.nextSpanId = undefined;
    }
  }
}
