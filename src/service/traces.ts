/**
 * Trace use cases: read a task's trace from the embedded span store, and accept spans a client
 * recorded around its own calls (the SDK's `POST /v1/tasks` span), so the waterfall starts where
 * the user pressed enter. Spans are only accepted into traces of tasks of the caller's project.
 */
import { DhError } from '../core/errors.ts';
import type { SpanRecord } from '../telemetry/span-record.ts';
import { boundedAttributes } from '../telemetry/span-input.ts';
import { spansOfTask, treeOrder } from '../telemetry/span-tree.ts';
import type { AppContext } from './context.ts';
import { getTask } from './tasks.ts';

export interface TaskTrace {
  task_id: string;
  trace_id: string;
  spans: SpanRecord[];
}

/** The task's spans in waterfall order (parents first, siblings by start time). */
export async function taskTrace(ctx: AppContext, projectId: string, taskId: string): Promise<TaskTrace> {
  const task = await getTask(ctx, projectId, taskId);
  const spans = spansOfTask(await ctx.telemetry.store.spans(task.trace_id), task.id);
  return { task_id: task.id, trace_id: task.trace_id, spans: treeOrder(spans).map((o) => o.span) };
}

/** At most this many spans per request; a client reports a handful. */
export const MAX_INGESTED_SPANS = 64;

/** Records client spans into the traces of this project's tasks. Returns how many were accepted. */
export async function ingestClientSpans(ctx: AppContext, projectId: string, spans: readonly SpanRecord[]): Promise<{ accepted: number; rejected: number }> {
  if (spans.length > MAX_INGESTED_SPANS) {
    throw new DhError('DH_ERR_PAYLOAD_TOO_LARGE', `At most ${MAX_INGESTED_SPANS} spans per request; send them in smaller batches.`);
  }
  const owners = new Map<string, boolean>();
  const accepted: SpanRecord[] = [];
  for (const span of spans) {
    let ours = owners.get(span.trace_id);
    if (ours === undefined) {
      ours = (await ctx.telemetry.store.owner(span.trace_id))?.projectId === projectId;
      owners.set(span.trace_id, ours);
    }
    if (ours && span.end >= span.start) accepted.push({ ...span, attributes: boundedAttributes(span.attributes), name: span.name.slice(0, 200) });
  }
  const byService = new Map<string, SpanRecord[]>();
  for (const span of accepted) {
    const service = span.service ?? 'dockhand-client';
    byService.set(service, [...(byService.get(service) ?? []), span]);
  }
  for (const [service, list] of byService) ctx.telemetry.ingest(list, service);
  return { accepted: accepted.length, rejected: spans.length - accepted.length };
}
