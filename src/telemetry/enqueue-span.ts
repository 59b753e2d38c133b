/**
 * The producer side of a task's trace: the `send tasks-<cluster>` span around creating the record and
 * adding the job. Its context is what the job carries to the worker, and its trace id becomes the
 * task's `trace_id`. With a caller's context the task joins the caller's trace; without one it
 * starts its own.
 *
 *   const send = startEnqueueSpan(ctx.telemetry, { request, codeName: 'hello', projectId, priority: 0, options });
 *   const task = await ctx.tasks.create({ ..., trace_id: send.traceId }).catch(send.failed);
 *   await ctx.queue.enqueue({ ..., trace: send.carrier }).catch(send.failed);
 *   send.succeeded(task);
 */
import { SpanKind, SpanStatusCode, type Link, type Span } from '@opentelemetry/api';
import { taskQueueName } from '../queue/priority.ts';
import { ATTR, MESSAGING_SYSTEM } from './attributes.ts';
import type { Telemetry } from './telemetry.ts';
import { carrierOf, spanContextOf, type TraceCarrier } from './trace-context.ts';

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
  };
}

export interface EnqueueSpan {
  readonly traceId: string;
  /** W3C context of the send span, for the queued task to carry. */
  readonly carrier: TraceCarrier;
  /** Ends the span; records which task it queued and that the trace is that task's. */
  succeeded(task: { id: string; project_id: string }): void;
  /** Ends the span as failed and throws the error on, for `.catch(send.failed)`. */
  failed(err: unknown): never;
}

export function startEnqueueSpan(telemetry: Telemetry, input: EnqueueSpanInput): EnqueueSpan {
  const { options } = input;
  const destination = taskQueueName(input.request.cluster ?? 'default');
  const links: Link[] = [];
  for (const carrier of options.links ?? []) {
    const context = spanContextOf(carrier);
    if (context) links.push({ context });
  }
  const span: Span = telemetry.startSpan(`send ${destination}`, {
    kind: SpanKind.PRODUCER,
    parent: spanContextOf(options.trace),
    traceId: options.traceId,
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
    },
  });
  const context = span.spanContext();
  return {
    traceId: context.traceId,
    carrier: carrierOf(context),
    succeeded(task) {
      span.setAttributes({ [ATTR.taskId]: task.id, [ATTR.messagingMessageId]: task.id });
      span.end(telemetry.now());
      // Who may add spans to this trace later (a client reporting its call): the task's project.
      if (telemetry.enabled) telemetry.store.setOwner(context.traceId, { taskId: task.id, projectId: task.project_id }).catch(() => undefined);
    },
    failed(err): never {
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      span.setAttribute(ATTR.errorType, err instanceof Error ? err.name : 'Error');
      span.end(telemetry.now());
      throw err;
    },
  };
}
