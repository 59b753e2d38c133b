// The fleet's nodes: state (lost and draining stand out), clusters, labels, slots and memory, what
// each runs, Docker version, stacks present and the last heartbeat. Refreshed every three seconds.
import { html } from '../html.js';
import { api } from '../api.js';
import { ago, shortId } from '../format.js';
import { ErrorNote, Time, usePoll } from '../parts/common.js';

function Meter({ used, total, unit = '' }) {
  const percent = total > 0 ? Math.round((used / total) * 100) : 0;
  return html`<span class="meter"><meter min="0" max=${total || 1} value=${used} high=${(total || 1) * 0.85}></meter> ${used}${unit} / ${total}${unit} (${percent}%)</span>`;
}

export function NodesPage() {
  const nodes = usePoll(() => api('/v1/nodes'), 3000);
  const list = nodes.data?.nodes ?? [];
  return html`<section>
    <h1>Nodes</h1>
    <${ErrorNote} error=${nodes.error} />
    <p class="muted">${list.filter((n) => n.state === 'running').length} running, ${list.filter((n) => n.state === 'draining').length} draining, ${list.filter((n) => n.state === 'lost').length} lost.</p>
    <div class="cards">
      ${list.map((node) => html`<article class=${`card node node-${node.state}`} data-node=${node.id} aria-label=${`node ${node.id}, ${node.state}`}>
        <header><h2 class="mono">${node.id}</h2><span class=${`badge node-state-${node.state}`}>${node.state}</span></header>
        <dl class="details">
          <div class="field"><dt>Clusters</dt><dd>${node.clusters.join(', ')}</dd></div>
          <div class="field"><dt>Labels</dt><dd>${Object.entries(node.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(', ') || '–'}</dd></div>
          <div class="field"><dt>Slots</dt><dd><${Meter} used=${node.slots_used} total=${node.slots_total} /></dd></div>
          <div class="field"><dt>Memory</dt><dd><${Meter} used=${node.memory_reserved} total=${node.memory_total} unit=" MiB" /></dd></div>
          <div class="field"><dt>Running</dt><dd>${node.running.length === 0 ? '–' : node.running.map((id) => html`<a href=${`#/tasks/${id}`} title=${id}>${shortId(id)}</a> `)}</dd></div>
          <div class="field"><dt>Docker</dt><dd>${node.docker_version}</dd></div>
          <div class="field"><dt>Stacks</dt><dd>${node.stacks.join(', ') || '–'}</dd></div>
          <div class="field"><dt>Last heartbeat</dt><dd><${Time} iso=${node.last_seen} /> <span class="muted">(${ago(node.last_seen)})</span></dd></div>
        </dl>
      </article>`)}
    </div>
    ${nodes.data && list.length === 0 ? html`<p class="muted">No node has registered: start one with <code>npx dockhand worker</code>.</p>` : null}
  </section>`;
}
