/**
 * A SpanProcessor that writes spans to the embedded span store. Spans that end within 50 ms of each
 * other go out together (one script call per batch); the write is started, never awaited by the code that
 * ended the span, and its failure is reported and dropped: a broken or slow store cannot fail or
 * delay a task. `flush()` starts the buffered write at once, so a caller about to announce
 * something (a task's "finished" notice) can be sure the spans were sent first on the same
 * connection, and so are in Redis before anyone reacting to the notice reads the trace.
 *
 *   new BasicTracerProvider({ spanProcessors: [new RedisSpanProcessor(store, onError)] });
 */
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { RedisSpanStore } from './span-store.ts';
import { toSpanRecord, type SpanRecord } from './span-record.ts';

/** Spans wait this long for company before they are written, unless this many are waiting. */
const BATCH_WINDOW_MS = 50;
const MAX_BATCH = 256;

export class RedisSpanProcessor implements SpanProcessor {
  private buffer: SpanRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly pending = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly store: RedisSpanStore,
    private readonly onError: (err: unknown) => void,
  ) {}

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    if (this.closed) return;
    try {
      this.buffer.push(toSpanRecord(span));
    } catch (err) {
      this.report(err);
      return;
    }
    if (this.buffer.length >= MAX_BATCH) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), BATCH_WINDOW_MS);
      this.timer.unref();
    }
  }

  /** Sends what is buffered now (synchronously starts the write). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    let write: Promise<void>;
    try {
      write = this.store.append(batch);
    } catch (err) {
      this.report(err);
      return;
    }
    const tracked = write.catch((err: unknown) => this.report(err)).finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  async forceFlush(): Promise<void> {
    this.flush();
    await Promise.all([...this.pending]);
  }

  async shutdown(): Promise<void> {
    await this.forceFlush();
    this.closed = true;
  }

  private report(err: unknown): void {
    try {
      this.onError(err);
    } catch {
      // the reporter itself failing must not reach the span's owner either
    }
  }
}
