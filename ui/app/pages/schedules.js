// Schedules: each with its next firings in its own time zone, its history (queued, skipped, missed,
// and why), pause/resume/delete; and a cron field that previews the next firings as you type
// (GET /v1/cron/next, the same rules the scheduler uses).
import { html, useEffect, useState } from '../html.js';
import { api, query, session } from '../api.js';
import { ActionButton, ErrorNote, Status, Time, usePoll } from '../parts/common.js';

const VIEWER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

function CronPreview() {
  const [expr, setExpr] = useState('*/15 9-17 * * mon-fri');
  const [zone, setZone] = useState(VIEWER_ZONE);
  const [answer, setAnswer] = useState({});
  useEffect(() => {
    const timer = setTimeout(() => {
      if (!expr.trim()) return setAnswer({});
      api(`/v1/cron/next${query({ cron: expr, tz: zone, n: 5 })}`).then((data) => setAnswer({ data }), (error) => setAnswer({ error }));
    }, 200);
    return () => clearTimeout(timer);
  }, [expr, zone]);
  return html`<section class="panel cron-preview">
    <h2>Try a cron expression</h2>
    <div class="filters">
      <label>Expression <input id="cron-expr" value=${expr} onInput=${(e) => setExpr(e.target.value)} spellcheck="false" /></label>
      <label>Time zone <input id="cron-zone" value=${zone} onInput=${(e) => setZone(e.target.value)} spellcheck="false" /></label>
    </div>
    <${ErrorNote} error=${answer.error} />
    ${answer.data ? html`<ol class="firings" aria-live="polite" aria-label="Next firings">
      ${answer.data.next.map((f) => html`<li><span class="mono">${f.wall}</span> <span class="muted">(<${Time} iso=${f.at} /> here)</span></li>`)}
    </ol>` : null}
  </section>`;
}

function whenText(s) {
  if (s.cron) return `cron ${s.cron} (${s.timezone ?? 'UTC'})`;
  if (s.every) return `every ${s.every} s`;
  return `once at ${s.at}`;
}

function NextFirings({ schedule }) {
  const next = usePoll(
    () => (schedule.cron && schedule.status === 'scheduled' ? api(`/v1/cron/next${query({ cron: schedule.cron, tz: schedule.timezone ?? 'UTC', n: 3 })}`) : Promise.resolve(undefined)),
    60_000,
    [schedule.id, schedule.cron, schedule.timezone, schedule.status],
  );
  if (schedule.status !== 'scheduled') return html`<span class="muted">–</span>`;
  if (next.data) return html`<ul class="compact">${next.data.next.map((f) => html`<li class="mono" title=${`UTC ${f.at}`}>${f.wall}</li>`)}</ul>`;
  return html`<${Time} iso=${schedule.next_start} />`;
}

function History({ id }) {
  const history = usePoll(() => api(`/v1/schedules/${encodeURIComponent(id)}/history${query({ limit: 20 })}`), 10_000, [id]);
  const firings = history.data?.firings ?? [];
  return html`<div class="history">
    <${ErrorNote} error=${history.error} />
    ${firings.length === 0 ? html`<p class="muted">Nothing fired yet.</p>` : html`<table>
      <thead><tr><th>Occurrence</th><th>Outcome</th><th>Task / reason</th></tr></thead>
      <tbody>${firings.map((f) => html`<tr><td><${Time} iso=${f.at} /></td><td><span class=${`badge outcome-${f.outcome}`}>${f.outcome}</span></td>
        <td>${f.task_id ? html`<a href=${`#/tasks/${f.task_id}`}>${f.task_id}</a>` : null} ${f.reason ?? ''}</td></tr>`)}</tbody>
    </table>`}
  </div>`;
}

function ScheduleRow({ schedule, onChange }) {
  const [open, setOpen] = useState(false);
  const path = `/v1/schedules/${encodeURIComponent(schedule.id)}`;
  const act = (verb) => async () => {
    await api(`${path}/${verb}`, { method: 'POST', body: {} });
    onChange();
  };
  const remove = async () => {
    await api(path, { method: 'DELETE' });
    onChange();
  };
  return html`<tr>
      <td><button class="link" aria-expanded=${open} onClick=${() => setOpen(!open)}>${schedule.name ?? schedule.id}</button></td>
      <td><a href=${`#/codes/${encodeURIComponent(schedule.code_name)}`}>${schedule.code_name}</a></td>
      <td class="mono">${whenText(schedule)}</td>
      <td><${Status} status=${schedule.status} />${schedule.status_reason ? html`<div class="muted small">${schedule.status_reason}</div>` : null}</td>
      <td><${NextFirings} schedule=${schedule} /></td>
      <td>${schedule.run_count}</td>
      <td class="actions">${session.readOnly() ? null : html`
        ${schedule.status === 'scheduled' ? html`<${ActionButton} label="Pause" action=${act('pause')} />` : null}
        ${schedule.status === 'paused' ? html`<${ActionButton} label="Resume" action=${act('resume')} />` : null}
        <${ActionButton} label="Delete" confirm="Delete this schedule?" className="danger" action=${remove} />`}
      </td>
    </tr>
    ${open ? html`<tr class="expanded"><td colspan="7"><${History} id=${schedule.id} /></td></tr>` : null}`;
}

export function SchedulesPage() {
  const [refresh, setRefresh] = useState(0);
  const schedules = usePoll(() => api('/v1/schedules'), 5000, [refresh]);
  const list = schedules.data?.schedules ?? [];
  return html`<section>
    <h1>Schedules</h1>
    <${CronPreview} />
    <${ErrorNote} error=${schedules.error} />
    <div class="table-wrap"><table>
      <thead><tr><th>Schedule</th><th>Package</th><th>When</th><th>Status</th><th>Next firings (its zone)</th><th>Runs</th><th></th></tr></thead>
      <tbody>${list.map((s) => html`<${ScheduleRow} key=${s.id} schedule=${s} onChange=${() => setRefresh((n) => n + 1)} />`)}</tbody>
    </table></div>
    ${schedules.data && list.length === 0 ? html`<p class="muted">No schedules: <code>npx dockhand schedule create hello --cron '*/5 * * * *'</code></p>` : null}
  </section>`;
}
