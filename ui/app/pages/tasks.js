// Tasks: status tabs, filters (package, cluster, time window), search by id, newest first with a
// cursor (`before_id`, the last task shown) for older pages, refreshed every two seconds, and bulk cancel/retry of what the
// filter selects (the same filter, sent to POST /v1/tasks/cancel|retry).
import { html, useState } from '../html.js';
import { api, query, session } from '../api.js';
import { go, href } from '../router.js';
import { duration, shortId } from '../format.js';
import { ActionButton, ErrorNote, Status, Time, usePoll } from '../parts/common.js';

const TABS = [
  ['', 'All'],
  ['queued', 'Queued'],
  ['preparing,running', 'Running'],
  ['complete', 'Complete'],
  ['error', 'Error'],
  ['timeout', 'Timeout'],
  ['cancelled', 'Cancelled'],
];
const WINDOWS = [
  ['', 'any time'],
  ['15', 'last 15 min'],
  ['60', 'last hour'],
  ['1440', 'last 24 h'],
  ['10080', 'last 7 days'],
];
const PAGE_SIZE = 25;
const BULK_LIMIT = 500;

/** The list filter as the API takes it, from the page's parameters. */
function filterOf(params) {
  const from = params.window ? Date.now() - Number(params.window) * 60_000 : undefined;
  return { status: params.status || undefined, code: params.code || undefined, cluster: params.cluster || undefined, from };
}

/** The statuses of `statuses` the current tab shows: none means the action has nothing to act on. */
function actionable(params, statuses) {
  return params.status ? params.status.split(',').filter((s) => statuses.includes(s)) : statuses;
}

function selectionOf(params, wanted) {
  const filter = filterOf(params);
  return {
    status: wanted,
    ...(filter.code ? { code: filter.code } : {}),
    ...(filter.cluster ? { cluster: filter.cluster } : {}),
    ...(filter.from !== undefined ? { from: Math.floor(filter.from) } : {}),
    limit: BULK_LIMIT,
  };
}

function Filters({ params, codes }) {
  const [search, setSearch] = useState('');
  const set = (change) => go('/tasks', { ...params, ...change, before_id: undefined });
  return html`<div class="filters">
    <label>Package
      <select value=${params.code ?? ''} onChange=${(e) => set({ code: e.target.value })}>
        <option value="">all</option>
        ${(codes ?? []).map((c) => html`<option value=${c.name}>${c.name}</option>`)}
      </select>
    </label>
    <label>Cluster
      <input value=${params.cluster ?? ''} placeholder="any" size="10" onChange=${(e) => set({ cluster: e.target.value.trim() })} />
    </label>
    <label>Created
      <select value=${params.window ?? ''} onChange=${(e) => set({ window: e.target.value })}>
        ${WINDOWS.map(([value, label]) => html`<option value=${value}>${label}</option>`)}
      </select>
    </label>
    <form class="search" role="search" onSubmit=${(e) => { e.preventDefault(); if (search.trim()) go(`/tasks/${search.trim()}`); }}>
      <label>Task id <input value=${search} placeholder="24 hex characters" onInput=${(e) => setSearch(e.target.value)} /></label>
      <button type="submit">Open</button>
    </form>
  </div>`;
}

function BulkActions({ params, onDone }) {
  const [outcome, setOutcome] = useState(undefined);
  if (session.readOnly()) return null;
  // An empty status list would mean every status to the API, so a tab with nothing to act on shows no button.
  const cancellable = actionable(params, ['queued', 'preparing', 'running']);
  const retryable = actionable(params, ['complete', 'error', 'timeout', 'cancelled']);
  const act = (verb, statuses) => async () => {
    const result = await api(`/v1/tasks/${verb}`, { method: 'POST', body: selectionOf(params, statuses) });
    setOutcome({ verb, ...result });
    onDone();
  };
  return html`<div class="bulk">
    ${cancellable.length ? html`<${ActionButton} label="Cancel all matching" confirm="Cancel every queued or running task this filter shows (up to 500)?" action=${act('cancel', cancellable)} />` : null}
    ${retryable.length ? html`<${ActionButton} label="Retry all matching" confirm="Queue again every finished task this filter shows (up to 500)?" action=${act('retry', retryable)} />` : null}
    ${outcome ? html`<span class="note" role="status">${outcome.verb === 'cancel' ? 'Cancelled' : 'Retried'} ${outcome.done.length} of ${outcome.selected}${outcome.skipped.length ? `; ${outcome.skipped.length} skipped` : ''}.</span>` : null}
  </div>`;
}

export function TasksPage({ params }) {
  const [refresh, setRefresh] = useState(0);
  const codes = usePoll(() => api('/v1/codes'), 30_000);
  const filter = filterOf(params);
  const list = usePoll(
    () => api(`/v1/tasks${query({ ...filter, from: filter.from && Math.floor(filter.from), limit: PAGE_SIZE, before_id: params.before_id })}`),
    2000,
    [params.status, params.code, params.cluster, params.window, params.before_id, refresh],
  );
  const tasks = list.data?.tasks ?? [];
  const older = tasks.length === PAGE_SIZE ? tasks[tasks.length - 1].id : undefined;
  return html`<section>
    <h1>Tasks</h1>
    <nav class="tabs" aria-label="Status">
      ${TABS.map(([status, label]) => html`<a href=${href('/tasks', { ...params, status, before_id: undefined })} aria-current=${(params.status ?? '') === status ? 'page' : undefined}>${label}</a>`)}
    </nav>
    <${Filters} params=${params} codes=${codes.data?.codes} />
    <${BulkActions} params=${params} onDone=${() => setRefresh((n) => n + 1)} />
    <${ErrorNote} error=${list.error} />
    <div class="table-wrap">
      <table class="tasks">
        <thead><tr><th>Task</th><th>Package</th><th>Status</th><th>Cluster</th><th>Created</th><th>Ran</th><th>Attempts</th></tr></thead>
        <tbody>
          ${tasks.map((task) => html`<tr data-task=${task.id}>
            <td><a href=${`#/tasks/${task.id}`} title=${task.id}>${shortId(task.id)}</a></td>
            <td>${task.code_name}</td>
            <td><${Status} status=${task.status} /></td>
            <td>${task.cluster}</td>
            <td><${Time} iso=${task.created_at} /></td>
            <td>${duration(task.duration)}</td>
            <td>${task.attempts}</td>
          </tr>`)}
        </tbody>
      </table>
      ${list.data && tasks.length === 0 ? html`<p class="muted">No tasks match.</p>` : null}
    </div>
    <nav class="pager" aria-label="Pages">
      ${params.before_id ? html`<a href=${href('/tasks', { ...params, before_id: undefined })}>Newest</a>` : null}
      ${older ? html`<a href=${href('/tasks', { ...params, before_id: older })}>Older</a>` : null}
    </nav>
  </section>`;
}
