// Code packages: the list (current revisions), and one package with its revisions (stack, image, size,
// upload time), its limits, pause/resume of its queue, its recent tasks and their failure rate.
import { html, useState } from '../html.js';
import { api, query, session } from '../api.js';
import { bytes, duration, shortId } from '../format.js';
import { ActionButton, ErrorNote, Status, Time, usePoll } from '../parts/common.js';

const RECENT = 50;

function runsOn(code) {
  return code.stack ?? code.image ?? 'default';
}

export function CodesPage() {
  const codes = usePoll(() => api('/v1/codes'), 10_000);
  const list = codes.data?.codes ?? [];
  return html`<section>
    <h1>Code packages</h1>
    <${ErrorNote} error=${codes.error} />
    <div class="table-wrap"><table>
      <thead><tr><th>Package</th><th>Revision</th><th>Runs on</th><th>Size</th><th>Uploaded</th><th>Max concurrency</th><th>Retries</th><th>Timeout</th></tr></thead>
      <tbody>${list.map((c) => html`<tr>
        <td><a href=${`#/codes/${encodeURIComponent(c.name)}`}>${c.name}</a></td>
        <td>r${c.rev}</td><td>${runsOn(c)}</td><td>${bytes(c.archive_size)}</td><td><${Time} iso=${c.created_at} /></td>
        <td>${c.max_concurrency > 0 ? c.max_concurrency : 'no limit'}</td><td>${c.retries}</td><td>${c.timeout} s</td>
      </tr>`)}</tbody>
    </table></div>
    ${codes.data && list.length === 0 ? html`<p class="muted">No code yet: <code>npx dockhand code upload examples/hello-node --name hello --stack node-20</code></p>` : null}
  </section>`;
}

function failureRate(tasks) {
  const finished = tasks.filter((t) => ['complete', 'error', 'timeout', 'cancelled'].includes(t.status));
  if (finished.length === 0) return undefined;
  const failed = finished.filter((t) => t.status === 'error' || t.status === 'timeout').length;
  return { failed, finished: finished.length, percent: Math.round((failed / finished.length) * 100) };
}

export function CodePage({ name }) {
  const [refresh, setRefresh] = useState(0);
  const path = `/v1/codes/${encodeURIComponent(name)}`;
  const code = usePoll(() => api(path), 10_000, [name, refresh]);
  const revisions = usePoll(() => api(`${path}/revisions`), 30_000, [name]);
  const queue = usePoll(() => api(`${path}/queue`), 3000, [name, refresh]);
  const tasks = usePoll(() => api(`/v1/tasks${query({ code: name, limit: RECENT })}`), 3000, [name]);
  const c = code.data;
  const recent = tasks.data?.tasks ?? [];
  const rate = failureRate(recent);
  const paused = queue.data?.paused === true;
  const toggle = async () => {
    await api(`${path}/${paused ? 'resume' : 'pause'}`, { method: 'POST', body: {} });
    setRefresh((n) => n + 1);
  };
  return html`<section>
    <div class="title-row">
      <h1>Package <span class="mono">${name}</span></h1>
      ${queue.data ? html`<span class=${`badge ${paused ? 'status-paused' : 'status-running'}`} data-queue-state=${paused ? 'paused' : 'active'}>${paused ? 'queue paused' : 'queue active'}</span>` : null}
      ${session.readOnly() || !queue.data ? null : html`<${ActionButton} label=${paused ? 'Resume queue' : 'Pause queue'} action=${toggle} />`}
    </div>
    <${ErrorNote} error=${code.error} />
    ${c ? html`<dl class="details">
      <div class="field"><dt>Current revision</dt><dd>r${c.rev}</dd></div>
      <div class="field"><dt>Runs on</dt><dd>${runsOn(c)}</dd></div>
      <div class="field"><dt>Command</dt><dd class="mono">${c.command ?? '(the stack\'s)'}</dd></div>
      <div class="field"><dt>Max concurrency</dt><dd>${c.max_concurrency > 0 ? c.max_concurrency : 'no limit'}</dd></div>
      <div class="field"><dt>Retries</dt><dd>${c.retries} (first after ${c.retries_delay} s)</dd></div>
      <div class="field"><dt>Timeout</dt><dd>${c.timeout} s</dd></div>
      <div class="field"><dt>Memory / CPUs</dt><dd>${c.memory} MiB / ${c.cpus}</dd></div>
      <div class="field"><dt>Network</dt><dd>${c.network ? 'on' : 'off'}</dd></div>
      ${queue.data ? html`<div class="field"><dt>Waiting (parked)</dt><dd>${queue.data.waiting}</dd></div>` : null}
      <div class="field"><dt>Failure rate</dt><dd data-failure-rate>${rate ? `${rate.percent}% (${rate.failed} of the last ${rate.finished} finished)` : '–'}</dd></div>
    </dl>` : null}
    <section class="panel">
      <h2>Revisions</h2>
      <div class="table-wrap"><table>
        <thead><tr><th>Revision</th><th>Runs on</th><th>Image</th><th>Size</th><th>Files</th><th>Built</th><th>Uploaded</th></tr></thead>
        <tbody>${(revisions.data?.revisions ?? []).map((r) => html`<tr>
          <td>r${r.rev}</td><td>${runsOn(r)}</td><td class="mono">${r.image_id ? r.image_id.replace('sha256:', '').slice(0, 12) : ''}</td>
          <td>${bytes(r.archive_size)}</td><td>${r.file_count ?? ''}</td><td>${r.build ? duration(r.build.seconds * 1000) : ''}</td><td><${Time} iso=${r.created_at} /></td>
        </tr>`)}</tbody>
      </table></div>
    </section>
    <section class="panel">
      <h2>Recent tasks</h2>
      <div class="table-wrap"><table>
        <thead><tr><th>Task</th><th>Status</th><th>Created</th><th>Ran</th></tr></thead>
        <tbody>${recent.map((t) => html`<tr><td><a href=${`#/tasks/${t.id}`} title=${t.id}>${shortId(t.id)}</a></td><td><${Status} status=${t.status} /></td><td><${Time} iso=${t.created_at} /></td><td>${duration(t.duration)}</td></tr>`)}</tbody>
      </table></div>
    </section>
  </section>`;
}
