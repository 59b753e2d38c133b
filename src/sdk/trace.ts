/**
 * The client end of a task's trace. Each call that queues a task opens a client span: its W3C
 * `traceparent` goes with the request (the server continues that trace, so the task's trace_id is
 * this span's), and once the answer is in, the span itself is sent to the server as an OTLP/HTTP JSON
 * export (`POST /v1/traces`) in the background, batched, so the waterfall starts where the caller
 * started. Reporting never delays or fails the call; with `tracing: false` nothing is sent at all.
 *
 *   const span = ClientSpan.start('POST', `${url}/v1/tasks`);
 *   fetch(url, { headers: { traceparent: span.traceparent } });
 *   post('/v1/traces', otlpExport([span.finish(201, { 'dockhand.task.id': id })]));
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { OtlpTraceRequest } from '../telemetry/otlp-json.ts';
import { encodeOtlpTraces } from '../telemetry/otlp-json-encode.ts';
import type { SpanRecord } from '../telemetry/span-record.ts';

type AttributeValue = string | number | boolean;

/** The export request for spans of this client, in the same OTLP JSON mapping the server reads. */
export function otlpExport(spans: readonly SpanRecord[]): OtlpTraceRequest {
  return encodeOtlpTraces(spans, 'dockhand-client');
}

export class ClientSpan {
  readonly traceId = randomBytes(16).toString('hex');
  readonly spanId = randomBytes(8).toString('hex');
  /** Wall-clock anchor taken at start, so a long-running process's monotonic clock drift does not show. */
  private readonly anchor = Date.now() - performance.now();
  private readonly startMs = this.anchor + performance.now();

  private constructor(private readonly method: string, private readonly url: URL) {}

  static start(method: string, url: string): ClientSpan {
    return new ClientSpan(method, new URL(url));
  }

  get traceparent(): string {
    return `00-${this.traceId}-${this.spanId}-01`;
  }

  /** Ends the span; `status` is the HTTP status, or 0 when the server could not be reached. */
  finish(status: number, attributes: Record<string, AttributeValue> = {}): SpanRecord {
    const endMs = this.anchor + performance.now();
    const failed = status === 0 || status >= 400;
    return {
      trace_id: this.traceId,
      span_id: this.spanId,
      name: `${this.method} ${this.url.pathname}`,
      kind: 'client',
      start: this.startMs,
      end: endMs,
      attributes: {
        'http.request.method': this.method,
        'url.full': this.url.toString(),
        'server.address': this.url.hostname,
        'server.port': Number(this.url.port || (this.url.protocol === 'https:' ? 443 : 80)),
        ...(status > 0 ? { 'http.response.status_code': status } : { 'error.type': 'unreachable' }),
        ...(status >= 400 ? { 'error.type': String(status) } : {}),
        ...attributes,
      },
      status: { code: failed ? 'error' : 'unset' },
    };
  }
}
