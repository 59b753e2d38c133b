// Overview: the last hour per minute from GET /v1/overview (worked out from the task records the
// fleet keeps): tasks finished by outcome, queue depth, and the wait from queued to first start.
import { html, useMemo } from '../html.js';
import { api } from '../api.js';
import { duration } from '../format.js';
import { ErrorNote, usePoll } from '../parts/common.js';
import { Chart } from '../parts/chart.js';

function sum(values) {
  return values.reduce((a, b) => a + (b ?? 0), 0);
}

export function OverviewPage() {
  const overview = usePoll(() => api('/v1/overview?minutes=60'), 15_000);
  const data = overview.data;
  const series = useMemo(() => {
    if (!data) return undefined;
    const minutes = data.minutes;
    const pick = (f) => minutes.map(f);
    return {
      times: pick((m) => m.t / 1000),
      outcomes: ['complete', 'error', 'timeout', 'cancelled'].map((status) => ({ label: status, color: `--status-${status}`, values: pick((m) => m.finished[status]) })),
      depth: [{ label: 'waiting', color: '--status-queued', values: pick((m) => m.queue_depth) }],
      waits: [
        { label: 'median wait (s)', color: '--status-running', values: pick((m) => (m.wait_p50_ms === null ? null : m.wait_p50_ms / 1000)) },
        { label: 'longest wait (s)', color: '--status-timeout', values: pick((m) => (m.wait_max_ms === null ? null : m.wait_max_ms / 1000)) },
      ],
    };
  }, [data]);
  const finished = series ? sum(series.outcomes.flatMap((s) => s.values)) : 0;
  const failed = series ? sum(series.outcomes[1].values) + sum(series.outcomes[2].values) : 0;
  const lastDepth = data ? data.minutes[data.minutes.length - 1].queue_depth : 0;
  const waits = data ? data.minutes.map((m) => m.wait_max_ms).filter((v) => v !== null) : [];
  return html`<section>
    <h1>Overview <span class="muted small">last hour</span></h1>
    <${ErrorNote} error=${overview.error} />
    ${data ? html`<div class="stats">
      <div class="stat"><span class="stat-value" data-stat="finished">${finished}</span><span>finished</span></div>
      <div class="stat"><span class="stat-value">${finished ? Math.round((failed / finished) * 100) : 0}%</span><span>failed or timed out</span></div>
      <div class="stat"><span class="stat-value">${lastDepth}</span><span>waiting now</span></div>
      <div class="stat"><span class="stat-value">${waits.length ? duration(Math.max(...waits)) : '–'}</span><span>longest wait</span></div>
    </div>` : null}
    ${data?.truncated ? html`<p class="warning">Only the newest ${data.tasks_read} tasks were read; the counts are partial.</p>` : null}
    ${series ? html`<div class="charts">
      <${Chart} title="Tasks finished per minute, by outcome" times=${series.times} series=${series.outcomes} yLabel="tasks" />
      <${Chart} title="Queue depth (tasks waiting)" times=${series.times} series=${series.depth} yLabel="tasks" />
      <${Chart} title="Wait from queued to start" times=${series.times} series=${series.waits} yLabel="seconds" />
    </div>` : null}
  </section>`;
}
