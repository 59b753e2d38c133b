import { describe, expect, it } from 'vitest';
import type { SpanRecord } from './span-record.ts';
import { spansOfTask, treeOrder } from './span-tree.ts';

function span(id: string, parent: string | undefined, start: number, end: number, task?: string): SpanRecord {
  return {
    trace_id: 'a'.repeat(32),
    span_id: id.padStart(16, '0'),
    ...(parent ? { parent_span_id: parent.padStart(16, '0') } : {}),
    name: `span ${id}`,
    kind: 'internal',
    start,
    end,
    attributes: task ? { 'dockhand.task.id': task } : {},
    status: { code: 'unset' },
  };
}

describe('treeOrder', () => {
  it('puts parents before children and siblings by start time, with depths', () => {
    const spans = [span('3', '1', 20, 30), span('2', '1', 10, 20), span('1', undefined, 0, 40), span('4', '2', 12, 13)];
    expect(treeOrder(spans).map((o) => [o.span.span_id.replace(/^0+/, ''), o.depth])).toEqual([['1', 0], ['2', 1], ['4', 2], ['3', 1]]);
  });

  it('shows a span whose parent is missing as a root rather than dropping it', () => {
    const spans = [span('1', undefined, 0, 10), span('2', '9', 5, 6)];
    expect(treeOrder(spans).map((o) => o.depth)).toEqual([0, 0]);
  });

  it('survives a parent cycle', () => {
    const spans = [span('1', '2', 0, 10), span('2', '1', 1, 5)];
    expect(treeOrder(spans)).toHaveLength(2);
  });
});

describe('spansOfTask', () => {
  it('keeps the task\'s spans, their unmarked children and the calls above them, and leaves out another task', () => {
    const spans = [
      span('1', undefined, 0, 100),          // the caller's request that queued both tasks
      span('2', '1', 1, 2, 'taskA'),         // task A's enqueue
      span('3', '1', 3, 4, 'taskB'),         // task B's enqueue
      span('4', '2', 5, 50, 'taskA'),        // task A's attempt
      span('5', '4', 6, 7),                  // task A's own code
      span('6', '3', 5, 60, 'taskB'),        // task B's attempt
      span('7', '6', 8, 9),                  // task B's own code
    ];
    expect(spansOfTask(spans, 'taskA').map((s) => s.span_id.replace(/^0+/, '')).sort()).toEqual(['1', '2', '4', '5']);
  });

  it('returns every span of a trace that has no task marks at all', () => {
    const spans = [span('1', undefined, 0, 1), span('2', '1', 0, 1)];
    expect(spansOfTask(spans, 'x')).toHaveLength(2);
  });
});
