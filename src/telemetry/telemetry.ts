/**
 * Dockhand's tracing, wired once per process context: an OpenTelemetry tracer provider whose spans
 * always go to the embedded span store (Redis) and, when OTEL_EXPORTER_OTLP_ENDPOINT (or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set, to that collector over OTLP/HTTP. Parents are passed
 * explicitly (no ambient context), so one process can run many traces at once without any
 * global state. OTEL_SDK_DISABLED=true turns recording off; spans then still carry valid ids.
 *
 *   const span = telemetry.startSpan('send tasks-default', { kind: SpanKind.PRODUCER, parent });
 *   span.end(telemetry.now());
 *
 * Nothing here may fail a task: exporter errors are counted, logged at most every 30 s, and dropped.
 */
import os from 'node:os';
import { ROOT_CONTEXT, SpanKind, TraceFlags, trace, type Attributes, type Link, type Span, type SpanContext, type Tracer } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Redis } from 'ioredis';
import type { Settings } from '../core/settings.ts';
import type { Keys } from '../store/redis/keys.ts';
import { ATTR } from './attributes.ts';
import { nowMs } from './clock.ts';
import { ReservingIdGenerator } from './id-generator.ts';
import type { Logger } from './logger.ts';
import type { DockhandMetrics } from './metrics.ts';
import { RedisSpanProcessor } from './redis-span-processor.ts';
import { toReadableSpan, type SpanRecord } from './span-record.ts';
import { RedisSpanStore } from './span-store.ts';
import { randomSpanId, randomTraceId } from './trace-context.ts';

export interface StartSpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  links?: Link[];
  /** Epoch milliseconds; default now. */
  startTime?: number;
  /** The parent; none starts a new trace. */
  parent?: SpanContext | undefined;
  /** Ids chosen in advance (see ReservingIdGenerator); a trace id only applies to a new trace. */
  spanId?: string | undefined;
  traceId?: string | undefined;
}

export interface TelemetryOptions {
  settings: Settings;
  redis: Redis;
  keys: Keys;
  logger: Logger;
  metrics: DockhandMetrics;
}

/** How long closing may wait for exporters; a dead collector must not hold up a stopping worker. */
const SHUTDOWN_TIMEOUT_MS = 3000;
const ERROR_LOG_INTERVAL_MS = 30_000;

export class Telemetry {
  readonly enabled: boolean;
  readonly store: RedisSpanStore;
  readonly otlpUrl: string | undefined;
  private readonly provider: BasicTracerProvider | undefined;
  private readonly tracer: Tracer | undefined;
  private readonly processors: SpanProcessor[] = [];
  private storeProcessor: RedisSpanProcessor | undefined;
  private readonly ids = new ReservingIdGenerator();
  private readonly lastErrorLog = new Map<string, number>();
  private readonly resource: Resource;

  constructor(private readonly options: TelemetryOptions) {
    const { settings } = options;
    this.store = new RedisSpanStore(options.redis, options.keys, settings.DOCKHAND_LOG_RETENTION_DAYS * 86_400);
    this.enabled = !settings.OTEL_SDK_DISABLED;
    this.otlpUrl = otlpTracesUrl(settings);
    this.resource = resourceFromAttributes({
      [ATTR.serviceName]: settings.OTEL_SERVICE_NAME,
      'service.instance.id': `${os.hostname()}-${process.pid}`,
    });
    if (!this.enabled) return;
    this.storeProcessor = new RedisSpanProcessor(this.store, (err) => this.exportFailed('store', err));
    this.processors.push(this.storeProcessor);
    if (this.otlpUrl) {
      const exporter = new ReportingExporter(new OTLPTraceExporter({ url: this.otlpUrl }), (err) => this.exportFailed('otlp', err));
      this.processors.push(new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1000 }));
    }
    this.provider = new BasicTracerProvider({ resource: this.resource, idGenerator: this.ids, spanProcessors: this.processors });
    this.tracer = this.provider.getTracer('dockhand');
  }

  /** Epoch milliseconds with sub-millisecond precision, the clock every Dockhand span uses. */
  now(): number {
    return nowMs();
  }

  startSpan(name: string, options: StartSpanOptions = {}): Span {
    const parentContext = options.parent ? trace.setSpanContext(ROOT_CONTEXT, options.parent) : ROOT_CONTEXT;
    if (!this.tracer) {
      // Not recording: a span with valid ids, so trace ids and TRACEPARENT-style links stay meaningful.
      return trace.wrapSpanContext({
        traceId: options.parent?.traceId ?? options.traceId ?? randomTraceId(),
        spanId: options.spanId ?? randomSpanId(),
        traceFlags: TraceFlags.NONE,
      });
    }
    const tracer = this.tracer;
    return this.ids.withIds({ spanId: options.spanId, traceId: options.parent ? undefined : options.traceId }, () =>
      tracer.startSpan(
        name,
        {
          kind: options.kind ?? SpanKind.INTERNAL,
          ...(options.attributes ? { attributes: options.attributes } : {}),
          ...(options.links ? { links: options.links } : {}),
          startTime: options.startTime ?? nowMs(),
        },
        parentContext,
      ),
    );
  }

  /**
   * Records spans made elsewhere (a task's own spans, a client's call) as if they had ended here.
   * `sendNow` writes them to the store at once, for a sender that may read the trace right after.
   */
  ingest(records: readonly SpanRecord[], service: string, options: { sendNow?: boolean } = {}): void {
    if (!this.enabled) return;
    const resource = resourceFromAttributes({ [ATTR.serviceName]: service });
    for (const record of records) {
      let span: ReadableSpan;
      try {
        span = toReadableSpan(record, resource);
      } catch (err) {
        this.exportFailed('store', err);
        continue;
      }
      for (const processor of this.processors) {
        try {
          processor.onEnd(span);
        } catch (err) {
          this.exportFailed('store', err);
        }
      }
    }
    if (options.sendNow !== false) this.sendPending();
  }

  /**
   * Starts writing the spans ended so far to the span store now rather than at the end of the tick,
   * so a notice sent next on the same Redis connection cannot overtake them. Does not wait.
   */
  sendPending(): void {
    try {
      this.storeProcessor?.flush();
    } catch (err) {
      this.exportFailed('store', err);
    }
  }

  async forceFlush(): Promise<void> {
    await withTimeout(Promise.all(this.processors.map((p) => p.forceFlush().catch(() => undefined))), SHUTDOWN_TIMEOUT_MS);
  }

  async shutdown(): Promise<void> {
    if (!this.provider) return;
    await withTimeout(this.provider.shutdown().catch(() => undefined), SHUTDOWN_TIMEOUT_MS);
  }

  private exportFailed(exporter: 'store' | 'otlp', err: unknown): void {
    try {
      this.options.metrics.spanExportFailures.inc({ exporter });
      const last = this.lastErrorLog.get(exporter) ?? 0;
      if (Date.now() - last < ERROR_LOG_INTERVAL_MS) return;
      this.lastErrorLog.set(exporter, Date.now());
      // The error alone: Redis errors carry the whole command, span documents included.
      const error = err instanceof Error ? `${err.name}: ${err.message.slice(0, 300)}` : String(err);
      this.options.logger.warn({ error, exporter, ...(exporter === 'otlp' ? { url: this.otlpUrl } : {}) }, 'span export failed; tasks are unaffected (repeats are counted in dockhand_span_export_failures_total)');
    } catch {
      // reporting must never throw into a task
    }
  }
}

/** OTLP/HTTP traces URL from the standard variables: the traces endpoint as is, or `<endpoint>/v1/traces`. */
export function otlpTracesUrl(settings: Pick<Settings, 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'>): string | undefined {
  if (settings.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return settings.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (!settings.OTEL_EXPORTER_OTLP_ENDPOINT) return undefined;
  return `${settings.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`;
}

/** Passes spans through and reports failed exports, which BatchSpanProcessor would otherwise swallow. */
class ReportingExporter implements SpanExporter {
  constructor(
    private readonly inner: SpanExporter,
    private readonly onError: (err: unknown) => void,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code !== ExportResultCode.SUCCESS) this.onError(result.error ?? new Error('export failed'));
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

async function withTimeout(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((resolve) => { timer = setTimeout(resolve, ms); timer.unref(); })]);
  clearTimeout(timer);
}
