/**
 * A SpanProcessor that writes each span to the embedded span store as it ends. The write is started,
 * never awaited by the code that ended the span, and its failure is reported and dropped: a broken
 * or slow store cannot fail or delay a task. Writes go out on the shared Redis connection in the
 * order spans end, so a span ended before a task's "finished" notice is in Redis before anyone
 * reacting to that notice reads the trace.
 *
 *   new BasicTracerProvider({ spanProcessors: [new RedisSpanProcessor(store, onError)] });
 */
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { RedisSpanStore } from './span-store.ts';
import { toSpanRecord } from './span-record.ts';

export class RedisSpanProcessor implements SpanProcessor {
  private readonly pending = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly store: RedisSpanStore,
    private readonly onError: (err: unknown) => void,
  ) {}

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    if (this.closed) return;
    let write: Promise<void>;
    try {
      write = this.store.append([toSpanRecord(span)]);
    } catch (err) {
      this.report(err);
      return;
    }
    const tracked = write.catch((err: unknown) => this.report(err)).finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  async forceFlush(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    await this.forceFlush();
  }

  private report(err: unknown): void {
    try {
      this.onError(err);
    } catch {
      // the reporter itself failing must not reach the span's owner either
    }
  }
}
