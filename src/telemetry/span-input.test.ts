import { describe, expect, it } from 'vitest';
import { INCOMING_SPAN_LIMITS, parseIncomingSpan } from './span-input.ts';

const traceId = 'ab'.repeat(16);
const defaults = { traceId, parentSpanId: 'cd'.repeat(8), service: 'hello', attributes: { 'dockhand.task.id': 't1' } };

describe('parseIncomingSpan', () => {
  it('fills in the trace, the parent and a span id, and keeps the times and attributes', () => {
    const parsed = parseIncomingSpan({ name: 'parse', start: 1700000000000.1233, end: 1700000000010, attributes: { rows: 3 } }, defaults);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.span).toMatchObject({ trace_id: traceId, parent_span_id: 'cd'.repeat(8), name: 'parse', kind: 'internal', start: 1700000000000.123, end: 1700000000010, service: 'hello' });
    expect(parsed.span.span_id).toMatch(/^[0-9a-f]{16}$/);
    expect(parsed.span.attributes).toEqual({ rows: 3, 'dockhand.task.id': 't1' });
  });

  it('refuses a span that claims another trace', () => {
    const parsed = parseIncomingSpan({ trace_id: 'ef'.repeat(16), name: 'x', start: 1, end: 2 }, defaults);
    expect(parsed).toEqual({ ok: false, reason: expect.stringContaining('not this task') });
  });

  it('refuses a span that ends before it starts, or has no name', () => {
    expect(parseIncomingSpan({ name: 'x', start: 5, end: 4 }, defaults).ok).toBe(false);
    expect(parseIncomingSpan({ start: 1, end: 2 }, defaults).ok).toBe(false);
  });

  it('keeps its own parent when it names one (a span nested in the task\'s own span)', () => {
    const parsed = parseIncomingSpan({ name: 'inner', parent_span_id: '11'.repeat(8), span_id: '22'.repeat(8), start: 1, end: 2 }, defaults);
    expect(parsed.ok && parsed.span.parent_span_id).toBe('11'.repeat(8));
  });

  it('does not let the task overwrite Dockhand\'s attributes and bounds what it sends', () => {
    const attributes: Record<string, string> = { 'dockhand.task.id': 'forged' };
    for (let i = 0; i < 200; i++) attributes[`k${i}`] = 'v'.repeat(5000);
    const parsed = parseIncomingSpan({ name: 'big', start: 1, end: 2, attributes }, defaults);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.span.attributes['dockhand.task.id']).toBe('t1');
    expect(Object.keys(parsed.span.attributes).length).toBeLessThanOrEqual(INCOMING_SPAN_LIMITS.attributes + 1);
    expect(String(parsed.span.attributes['k1']).length).toBe(INCOMING_SPAN_LIMITS.stringChars);
  });

  it('accepts a status as a word or an object', () => {
    const a = parseIncomingSpan({ name: 'x', start: 1, end: 2, status: 'error' }, defaults);
    const b = parseIncomingSpan({ name: 'x', start: 1, end: 2, status: { code: 'ok', message: 'fine' } }, defaults);
    expect(a.ok && a.span.status).toEqual({ code: 'error' });
    expect(b.ok && b.span.status).toEqual({ code: 'ok', message: 'fine' });
  });
});
