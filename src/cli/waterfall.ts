/**
 * A trace as a waterfall in the terminal: one row per span, indented under its parent, a bar placed
 * and sized to scale on a common time axis, and the span's duration. Pure: spans in, lines out.
 *
 *   for (const line of renderWaterfall(trace.spans, { width: process.stdout.columns ?? 100 })) console.log(line);
 *
 *   POST /v1/tasks                 █                                         8.1 ms
 *     send tasks-default           ▏                                         1.2 ms
 *     queue wait                    ███                                     96.4 ms
 *     process tasks-default            ███████████████████████████████   1.204 s
 */
import type { TraceSpan } from '../sdk/index.ts';
import { treeOrder } from '../telemetry/span-tree.ts';

export interface WaterfallOptions {
  /** Total line width in characters. */
  width: number;
}

const DURATION_WIDTH = 10;
const MIN_BAR_WIDTH = 10;
const MAX_NAME_WIDTH = 44;

export function renderWaterfall(spans: readonly TraceSpan[], options: WaterfallOptions): string[] {
  if (spans.length === 0) return ['(no spans recorded for this task)'];
  const rows = treeOrder(spans).map(({ span, depth }) => ({ span: span, label: `${'  '.repeat(depth)}${span.name}${span.status.code === 'error' ? ' !' : ''}` }));
  const t0 = Math.min(...spans.map((s) => s.start));
  const t1 = Math.max(...spans.map((s) => s.end));
  const total = Math.max(t1 - t0, 0.001);
  const nameWidth = Math.min(MAX_NAME_WIDTH, Math.max(...rows.map((r) => r.label.length)));
  const barWidth = Math.max(MIN_BAR_WIDTH, options.width - nameWidth - DURATION_WIDTH - 4);
  const lines = [
    `${'span'.padEnd(nameWidth)}  ${axis(barWidth, total)}  ${'duration'.padStart(DURATION_WIDTH)}`,
  ];
  for (const { span, label } of rows) {
    const name = label.length > nameWidth ? `${label.slice(0, nameWidth - 1)}…` : label.padEnd(nameWidth);
    lines.push(`${name}  ${bar(span.start - t0, span.end - t0, total, barWidth)}  ${formatSpanDuration(span.end - span.start).padStart(DURATION_WIDTH)}`);
  }
  return lines;
}

/** `0` at the left, the total at the right of the bar column. */
function axis(width: number, total: number): string {
  const right = formatSpanDuration(total);
  return `0${right.padStart(width - 1)}`;
}

function bar(from: number, to: number, total: number, width: number): string {
  const scale = width / total;
  const start = Math.min(width - 1, Math.max(0, Math.floor(from * scale)));
  const end = Math.min(width, Math.max(start, Math.round(to * scale)));
  const cells = end - start;
  const body = cells === 0 ? '▏' : '█'.repeat(cells);
  return `${' '.repeat(start)}${body}`.padEnd(width);
}

/** `0.412 ms`, `12.3 ms`, `1.204 s`, `2 m 3 s`. */
export function formatSpanDuration(ms: number): string {
  if (ms < 1) return `${ms.toFixed(3)} ms`;
  if (ms < 1000) return `${ms.toFixed(1)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(3)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} m ${Math.round((ms - minutes * 60_000) / 1000)} s`;
}
