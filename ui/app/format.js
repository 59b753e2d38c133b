// How times, durations and sizes are shown: times in the viewer's zone, the exact UTC instant on hover.
const localFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });

export function localTime(iso) {
  return iso ? localFormat.format(new Date(iso)) : '';
}

export function utcTitle(iso) {
  return iso ? `UTC ${new Date(iso).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z')}` : '';
}

export function duration(ms) {
  if (ms === undefined || ms === null || Number.isNaN(ms)) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(ms / 3_600_000)} h ${Math.round((ms % 3_600_000) / 60_000)} min`;
}

export function ago(iso, now = Date.now()) {
  if (!iso) return '';
  const ms = now - Date.parse(iso);
  return ms < 0 ? 'just now' : `${duration(ms)} ago`;
}

export function bytes(n) {
  if (n === undefined || n === null) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** A JSON text shown indented when it parses, as it is when it does not. */
export function prettyJson(text) {
  if (text === undefined || text === null || text === '') return '';
  if (typeof text !== 'string') return JSON.stringify(text, null, 2);
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export function shortId(id) {
  return id ? `${id.slice(0, 8)}…${id.slice(-4)}` : '';
}
