// A task's trace as a waterfall: one row per span (parents first, as GET /v1/tasks/:id/trace orders
// them), a bar placed by start and length; a row is a button, and choosing it shows its attributes.
import { html, useState } from '../html.js';
import { duration } from '../format.js';

function depthOf(spans) {
  const byId = new Map(spans.map((s) => [s.span_id, s]));
  const depth = new Map();
  const walk = (span) => {
    if (depth.has(span.span_id)) return depth.get(span.span_id);
    const parent = span.parent_span_id ? byId.get(span.parent_span_id) : undefined;
    const d = parent ? walk(parent) + 1 : 0;
    depth.set(span.span_id, d);
    return d;
  };
  spans.forEach(walk);
  return depth;
}

export function Waterfall({ trace }) {
  const [chosen, setChosen] = useState(undefined);
  const spans = trace?.spans ?? [];
  if (spans.length === 0) return html`<section class="panel"><h2>Trace</h2><p class="muted">No spans recorded yet.</p></section>`;
  const t0 = Math.min(...spans.map((s) => s.start));
  const total = Math.max(1, Math.max(...spans.map((s) => s.end)) - t0);
  const depth = depthOf(spans);
  const selected = spans.find((s) => s.span_id === chosen);
  return html`<section class="panel">
    <h2>Trace <span class="muted small">${trace.trace_id}</span></h2>
    <ol class="waterfall">
      ${spans.map((span) => {
        const left = ((span.start - t0) / total) * 100;
        const width = Math.max(0.4, ((span.end - span.start) / total) * 100);
        return html`<li>
          <button class=${`span-row${span.span_id === chosen ? ' chosen' : ''}${span.status?.code === 'error' ? ' failed' : ''}`} aria-pressed=${span.span_id === chosen} onClick=${() => setChosen(span.span_id === chosen ? undefined : span.span_id)}>
            <span class="span-name" style=${{ paddingLeft: `${depth.get(span.span_id) * 0.9}em` }}>${span.name}</span>
            <span class="span-track"><span class="span-bar" style=${{ left: `${left}%`, width: `${width}%` }}></span></span>
            <span class="span-ms">${duration(span.end - span.start)}</span>
          </button>
        </li>`;
      })}
    </ol>
    ${selected ? html`<div class="attributes" role="region" aria-label="Span attributes">
      <h3>${selected.name}</h3>
      <table><tbody>
        <tr><th>service</th><td>${selected.service ?? ''}</td></tr>
        <tr><th>kind</th><td>${selected.kind}</td></tr>
        <tr><th>status</th><td>${selected.status?.code}${selected.status?.message ? `: ${selected.status.message}` : ''}</td></tr>
        ${Object.entries(selected.attributes ?? {}).map(([key, value]) => html`<tr><th>${key}</th><td>${Array.isArray(value) ? value.join(', ') : String(value)}</td></tr>`)}
      </tbody></table>
    </div>` : null}
  </section>`;
}
