/**
 * The producer side of a task's trace: the `send tasks-<cluster>` span around creating the record and
 * adding the job. Its context is what the job carries to the worker, and its trace id becomes the
 * task's `trace_id`. With a caller's context the task joins the caller's trace; without one it
 * starts its own.
 *
 *   const send = startEnqueueSpan(ctx.telemetry, { request, codeName: 'hello', projectId, priority: 0, options });
 *   const [task] = await ctx.queue.queueNew([{ task: { ..., trace_id: send.traceId }, trace: send.carrier }]).catch(send.failed);
 *   send.succeeded(task); await telemetry.store.setOwners([{ traceId: send.traceId, owner }]);
 */
import { SpanKind, SpanStatusCode, TraceFlags, type Attributes, type Link, type SpanStatus } from '@opentelemetry/api';
import { ATTR, MESSAGING_SYSTEM, taskQueueDestination } from './attributes.ts';
import type { Telemetry } from './telemetry.ts';
import { TRACE_ID_PATTERN, carrierOf, randomSpanId, randomTraceId, remoteSpanContext, spanContextOf, type TraceCarrier } from './trace-context.ts';

export interface EnqueueSpanInput {
  /** Where the task goes: its cluster and delay. */
  request: { cluster?: string | undefined; delay?: number | undefined };
  codeName: string;
  projectId: string;
  priority: number;
  /** The caller's trace context, a trace id to start with, links, and the task a retry repeats. */
  options: {
    trace?: TraceCarrier | undefined;
    traceId?: string | undefined;
    links?: TraceCarrier[] | undefined;
    retryOf?: string | undefined;
    scheduleId?: string | undefined;
  };
}

export interface EnqueueSpan {
  readonly traceId: string;
  /** W3C context of the send span, for the queued task to carry. */
  readonly carrier: TraceCarrier;
  /**
   * Records the span with the task it queued. Who owns the trace (the task's project) is written by
   * the caller with `SpanStore.setOwners`, once for a whole batch.
   */
  succeeded(task: { id: string; project_id: string }): void;
  /** Records the span as failed and throws the error on, for `.catch(send.failed)` (it uses no `this`). */
  failed(this: void, err: unknown): never;
}

export function startEnqueueSpan(telemetry: Telemetry, input: EnqueueSpanInput): EnqueueSpan {
  const { options } = input;
  const destination = taskQueueDestination(input.request.cluster ?? 'default');
  const parent = spanContextOf(options.trace);
  // Ids are chosen now and the span recorded when it ends, so a task that turns out to exist
  // already (an idempotent queue call) leaves no stray span behind.
  const traceId = parent?.traceId ?? (options.traceId && TRACE_ID_PATTERN.test(options.traceId) ? options.traceId : randomTraceId());
  const spanId = randomSpanId();
  const sampled = telemetry.enabled && (parent ? (parent.traceFlags & TraceFlags.SAMPLED) !== 0 : true);
  const startTime = telemetry.now();
  const links: Link[] = [];
  for (const carrier of options.links ?? []) {
    const context = spanContextOf(carrier);
    if (context) links.push({ context });
  }
  const record = (attributes: Attributes, status?: SpanStatus): void => {
    const span = telemetry.startSpan(`send ${destination}`, {
      kind: SpanKind.PRODUCER,
      parent,
      traceId,
      spanId,
      startTime,
      links,
      attributes: {
        [ATTR.messagingSystem]: MESSAGING_SYSTEM,
        [ATTR.messagingOperationType]: 'send',
        [ATTR.messagingOperationName]: 'add',
        [ATTR.messagingDestination]: destination,
        [ATTR.codeName]: input.codeName,
        [ATTR.projectId]: input.projectId,
        [ATTR.priority]: input.priority,
        [ATTR.delayMs]: (input.request.delay ?? 0) * 1000,
        ...(options.retryOf ? { [ATTR.retryOf]: options.retryOf } : {}),
        ...(options.scheduleId ? { [ATTR.scheduleId]: options.scheduleId } : {}),
        ...attributes,
      },
    });
    if (status) span.setStatus(status);
    span.end(telemetry.now());
  };
  return {
    traceId,
    carrier: carrierOf(remoteSpanContext(traceId, spanId, sampled)),
    succeeded(task) {
      record({ [ATTR.taskId]: task.id, [ATTR.messagingMessageId]: task.id });
    },
    failed(err): never {
      record({ [ATTR.errorType]: err instanceof Error ? err.name : 'Error' }, { code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      throw err;
    },
  };
}
