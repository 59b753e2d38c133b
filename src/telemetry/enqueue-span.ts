/**
 * The producer side of a task's trace: the `send tasks-<cluster>` span around creating the record and
 * adding the job. Its context is what the job carries to the worker, and its trace id becomes the
 * task's `trace_id`. With a caller's context the task joins the caller's trace; without one it
 * starts its own.
 *
 *   const send = startEnqueueSpan(ctx.telemetry, { cluster: 'default', codeName: 'hello', parent });
 *   ... create the record with send.traceId, enqueue with send.carrier ...
 *   send.succeeded(taskId); // or send.failed(err)
 */
import { SpanKind, SpanStatusCode, type Link, type Span } from '@opentelemetry/api';
import { taskQueueName } from '../queue/priority.ts';
import { ATTR, MESSAGING_SYSTEM } from './attributes.ts';
import type { Telemetry } from './telemetry.ts';
import { carrierOf, spanContextOf, type TraceCarrier } from './trace-context.ts';

export interface EnqueueSpanInput {
  cluster: string;
  codeName: string;
  projectId: string;
  priority: number;
  delayMs: number;
  /** The caller's W3C context; the task's trace continues it. */
  parent?: TraceCarrier | undefined;
  /** Trace id to start with when there is no parent. */
  traceId?: string | undefined;
  /** Contexts to link to (a batch request, the task a retry repeats). */
  links?: TraceCarrier[] | undefined;
  retryOf?: string | undefined;
}

export interface EnqueueSpan {
  readonly traceId: string;
  /** W3C context of the send span, for the job data. */
  readonly carrier: TraceCarrier;
  succeeded(taskId: string, jobId: string): void;
  failed(err: unknown): void;
}

export function startEnqueueSpan(telemetry: Telemetry, input: EnqueueSpanInput): EnqueueSpan {
  const destination = taskQueueName(input.cluster);
  const links: Link[] = [];
  for (const carrier of input.links ?? []) {
    const context = spanContextOf(carrier);
    if (context) links.push({ context });
  }
  const span: Span = telemetry.startSpan(`send ${destination}`, {
    kind: SpanKind.PRODUCER,
    parent: spanContextOf(input.parent),
    traceId: input.traceId,
    links,
    attributes: {
      [ATTR.messagingSystem]: MESSAGING_SYSTEM,
      [ATTR.messagingOperationType]: 'send',
      [ATTR.messagingOperationName]: 'add',
      [ATTR.messagingDestination]: destination,
      [ATTR.codeName]: input.codeName,
      [ATTR.projectId]: input.projectId,
      [ATTR.priority]: input.priority,
      [ATTR.delayMs]: input.delayMs,
      ...(input.retryOf ? { [ATTR.retryOf]: input.retryOf } : {}),
    },
  });
  const context = span.spanContext();
  return {
    traceId: context.traceId,
    carrier: carrierOf(context),
    succeeded(taskId, jobId) {
      span.setAttributes({ [ATTR.taskId]: taskId, [ATTR.messagingMessageId]: jobId });
      span.end(telemetry.now());
    },
    failed(err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      span.setAttribute(ATTR.errorType, err instanceof Error ? err.name : 'Error');
      span.end(telemetry.now());
    },
  };
}
