import { describe, expect, it } from 'vitest';
import type { TraceSpan } from '../sdk/index.ts';
import { formatSpanDuration, renderWaterfall } from './waterfall.ts';

function span(id: string, parent: string | undefined, name: string, start: number, end: number, status: 'unset' | 'error' = 'unset'): TraceSpan {
  return { trace_id: 't'.repeat(32), span_id: id, ...(parent ? { parent_span_id: parent } : {}), name, kind: 'internal', start, end, attributes: {}, status: { code: status } };
}

describe('renderWaterfall', () => {
  const spans = [span('a', undefined, 'root', 1000, 2000), span('b', 'a', 'first half', 1000, 1500), span('c', 'a', 'second half', 1500, 2000, 'error')];
  const lines = renderWaterfall(spans, { width: 80 });

  it('draws one row per span under a header, children indented under their parent', () => {
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/^root /);
    expect(lines[2]).toMatch(/^ {2}first half /);
    expect(lines[3]).toMatch(/^ {2}second half ! /);
  });

  it('places and sizes bars to scale on one time axis', () => {
    const bars = lines.slice(1).map((l) => { const from = l.indexOf('█'); return { from, to: l.lastIndexOf('█') + 1 }; });
    const full = bars[0]!.to - bars[0]!.from;
    expect(bars[1]!.from).toBe(bars[0]!.from);
    expect(bars[2]!.to).toBe(bars[0]!.to);
    expect(Math.abs(bars[1]!.to - bars[1]!.from - full / 2)).toBeLessThanOrEqual(1);
    expect(Math.abs(bars[2]!.from - (bars[0]!.from + full / 2))).toBeLessThanOrEqual(1);
  });

  it('ends each row with the span\'s duration and fits the width', () => {
    expect(lines[1]!.trimEnd()).toMatch(/1\.000 s$/);
    expect(lines[2]!.trimEnd()).toMatch(/500\.0 ms$/);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
  });

  it('marks a span too short for one cell and says so when there are no spans', () => {
    const tiny = renderWaterfall([span('a', undefined, 'long', 0, 10_000), span('b', 'a', 'blip', 5000, 5000.2)], { width: 80 });
    expect(tiny[2]).toContain('▏');
    expect(renderWaterfall([], { width: 80 })[0]).toMatch(/no spans/);
  });
});

describe('formatSpanDuration', () => {
  it('picks a unit that keeps the number short', () => {
    expect(formatSpanDuration(0.25)).toBe('0.250 ms');
    expect(formatSpanDuration(12.34)).toBe('12.3 ms');
    expect(formatSpanDuration(1204)).toBe('1.204 s');
    expect(formatSpanDuration(123_000)).toBe('2 m 3 s');
  });
});
