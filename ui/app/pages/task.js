// One task: its status and outcome, attempts and their nodes, waits and durations, payload and result
// (secrets masked by the API), progress, its live log, its trace as a waterfall, Cancel and Retry.
import { html, useState } from '../html.js';
import { api, session } from '../api.js';
import { go } from '../router.js';
import { duration, prettyJson } from '../format.js';
import { ActionButton, ErrorNote, Status, Time, usePoll } from '../parts/common.js';
import { LiveLog } from '../parts/log.js';
import { Waterfall } from '../parts/waterfall.js';

const FINISHED = ['complete', 'error', 'timeout', 'cancelled'];

function Field({ label, children }) {
  return html`<div class="field"><dt>${label}</dt><dd>${children}</dd></div>`;
}

function waitMs(task) {
  const start = task.attempt_history?.[0]?.start_time ?? task.start_time;
  if (!start) return undefined;
  return Math.max(0, Date.parse(start) - Date.parse(task.queued_at ?? task.created_at) - (task.delay ?? 0) * 1000);
}

function Attempts({ task }) {
  const attempts = task.attempt_history ?? [];
  if (attempts.length === 0) return null;
  return html`<section class="panel">
    <h2>Attempts</h2>
    <div class="table-wrap"><table>
      <thead><tr><th>#</th><th>Node</th><th>Ended as</th><th>Exit</th><th>Started</th><th>Ran</th><th>Message</th></tr></thead>
      <tbody>${attempts.map((a) => html`<tr>
        <td>${a.attempt}</td><td>${a.node_id ?? ''}</td><td><${Status} status=${a.status} /></td><td>${a.exit_code ?? ''}</td>
        <td><${Time} iso=${a.start_time} /></td>
        <td>${a.start_time && a.end_time ? duration(Date.parse(a.end_time) - Date.parse(a.start_time)) : ''}</td>
        <td>${a.msg ?? ''}</td>
      </tr>`)}</tbody>
    </table></div>
  </section>`;
}

export function TaskPage({ id }) {
  const [progress, setProgress] = useState(undefined);
  const [refresh, setRefresh] = useState(0);
  const shown = usePoll(() => api(`/v1/tasks/${encodeURIComponent(id)}`), 1500, [id, refresh]);
  const task = shown.data;
  const finished = task && FINISHED.includes(task.status);
  const trace = usePoll(() => api(`/v1/tasks/${encodeURIComponent(id)}/trace`), finished ? 600_000 : 3000, [id, finished]);
  if (!task) return html`<section><h1>Task ${id}</h1><${ErrorNote} error=${shown.error} />${shown.error ? null : html`<p class="muted">Loading…</p>`}</section>`;
  const percent = progress?.percent ?? task.percent;
  const cancel = async () => {
    await api(`/v1/tasks/${task.id}/cancel`, { method: 'POST', body: {} });
    setRefresh((n) => n + 1);
  };
  const retry = async () => {
    const again = await api(`/v1/tasks/${task.id}/retry`, { method: 'POST', body: {} });
    go(`/tasks/${again.id}`);
  };
  return html`<section class="task">
    <div class="title-row">
      <h1>Task <span class="mono">${task.id}</span></h1>
      <${Status} status=${task.status} />
      ${session.readOnly() ? null : html`<span class="actions">
        ${finished ? null : html`<${ActionButton} label="Cancel" confirm="Cancel this task?" className="danger" action=${cancel} />`}
        ${finished ? html`<${ActionButton} label="Retry" action=${retry} />` : null}
      </span>`}
    </div>
    <${ErrorNote} error=${shown.error} />
    ${task.wait_reason ? html`<p class="warning" role="status">Waiting: ${task.wait_reason}</p>` : null}
    ${percent !== undefined ? html`<div class="progress"><progress max="100" value=${percent} aria-label="Progress"></progress> <span>${percent}%${progress?.msg ? ` ${progress.msg}` : ''}</span></div>` : null}
    <dl class="details">
      <${Field} label="Package"><a href=${`#/codes/${encodeURIComponent(task.code_name)}`}>${task.code_name}</a> r${task.code_rev}<//>
      <${Field} label="Exit code">${task.exit_code ?? '–'}<//>
      <${Field} label="Error class">${task.error_class ?? '–'}<//>
      <${Field} label="Message"><span class="msg">${task.msg ?? '–'}</span><//>
      <${Field} label="Cluster">${task.cluster}<//>
      <${Field} label="Priority">${task.priority}<//>
      <${Field} label="Node">${task.node_id ?? '–'}<//>
      <${Field} label="Attempts">${task.attempts}${task.retries !== undefined ? ` (retries allowed: ${task.retries})` : ''}<//>
      <${Field} label="Created"><${Time} iso=${task.created_at} /><//>
      <${Field} label="Started"><${Time} iso=${task.start_time} /><//>
      <${Field} label="Ended"><${Time} iso=${task.end_time} /><//>
      <${Field} label="Waited">${duration(waitMs(task)) || '–'}<//>
      <${Field} label="Ran">${duration(task.duration) || '–'}<//>
      <${Field} label="Timeout">${task.timeout} s<//>
      ${task.retry_of ? html`<${Field} label="Retry of"><a href=${`#/tasks/${task.retry_of}`}>${task.retry_of}</a><//>` : null}
      ${task.schedule_id ? html`<${Field} label="Schedule">${task.schedule_id}<//>` : null}
    </dl>
    <div class="two">
      <section class="panel"><h2>Payload</h2><pre class="json" data-field="payload">${prettyJson(task.payload) || '(none)'}</pre></section>
      <section class="panel"><h2>Result</h2><pre class="json" data-field="result">${task.result === undefined ? '(none)' : prettyJson(task.result)}</pre></section>
    </div>
    <${LiveLog} taskId=${task.id} onProgress=${setProgress} />
    <${Waterfall} trace=${trace.data} />
    <${Attempts} task=${task} />
  </section>`;
}
