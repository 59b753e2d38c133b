/**
 * Reading a stored trace: which of its spans belong to one task (a caller may have queued several
 * tasks in one trace), and the waterfall order (parents before children, siblings by start time).
 * Pure.
 *
 *   const mine = spansOfTask(await store.spans(task.trace_id), task.id);
 *   for (const { span, depth } of treeOrder(mine)) console.log(' '.repeat(depth * 2) + span.name);
 */
import { ATTR } from './attributes.ts';
import type { SpanRecord } from './span-record.ts';

/**
 * The spans of `taskId`: those marked with its `dockhand.task.id`, everything below them (the task's
 * own spans carry no mark of ours), and everything above them (the client and API calls that queued
 * it). Spans of other tasks in the same trace are left out.
 */
export function spansOfTask(spans: readonly SpanRecord[], taskId: string): SpanRecord[] {
  const marked = spans.filter((s) => s.attributes[ATTR.taskId] !== undefined);
  if (marked.length === 0) return [...spans];
  const byId = new Map(spans.map((s) => [s.span_id, s]));
  const ancestors = new Set<string>();
  for (const span of marked) {
    if (span.attributes[ATTR.taskId] !== taskId) continue;
    for (let parent = parentOf(span, byId); parent; parent = parentOf(parent, byId)) {
      if (ancestors.has(parent.span_id)) break;
      ancestors.add(parent.span_id);
    }
  }
  return spans.filter((span) => {
    if (ancestors.has(span.span_id)) return true;
    const seen = new Set<string>();
    for (let at: SpanRecord | undefined = span; at && !seen.has(at.span_id); at = parentOf(at, byId)) {
      seen.add(at.span_id);
      const owner = at.attributes[ATTR.taskId];
      if (owner !== undefined) return owner === taskId;
    }
    return false;
  });
}

export interface OrderedSpan {
  span: SpanRecord;
  depth: number;
}

/** Depth-first, parents before children, siblings by start time; orphans are roots. */
export function treeOrder(spans: readonly SpanRecord[]): OrderedSpan[] {
  const ids = new Set(spans.map((s) => s.span_id));
  const children = new Map<string, SpanRecord[]>();
  const roots: SpanRecord[] = [];
  for (const span of spans) {
    if (span.parent_span_id && ids.has(span.parent_span_id) && span.parent_span_id !== span.span_id) {
      const list = children.get(span.parent_span_id) ?? [];
      list.push(span);
      children.set(span.parent_span_id, list);
    } else roots.push(span);
  }
  // Siblings that start together (a step that took no time, then the next) show in the order they ended.
  const byStart = (a: SpanRecord, b: SpanRecord): number => a.start - b.start || a.end - b.end || a.name.localeCompare(b.name);
  const out: OrderedSpan[] = [];
  const visited = new Set<string>();
  const visit = (span: SpanRecord, depth: number): void => {
    if (visited.has(span.span_id)) return;
    visited.add(span.span_id);
    out.push({ span, depth });
    for (const child of (children.get(span.span_id) ?? []).sort(byStart)) visit(child, depth + 1);
  };
  for (const root of roots.sort(byStart)) visit(root, 0);
  // A parent cycle has no root; show its spans rather than lose them.
  for (const span of [...spans].sort(byStart)) visit(span, 0);
  return out;
}

function parentOf(span: SpanRecord, byId: Map<string, SpanRecord>): SpanRecord | undefined {
  return span.parent_span_id ? byId.get(span.parent_span_id) : undefined;
}
