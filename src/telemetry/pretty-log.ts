/**
 * Turns one pino JSON line into a line a person reads in a terminal: time, level, message, then the
 * fields as key=value (task_id and trace_id first). Pure; a line that is not JSON is returned as is.
 *
 *   formatLogLine('{"level":30,"time":"2026-01-02T03:04:05.678Z","msg":"task finished","task_id":"ab"}')
 *   // '03:04:05.678 INFO  task finished task_id=ab'
 */
const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const FIRST_FIELDS = ['task_id', 'trace_id', 'node_id'];
const SKIPPED = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

export function formatLogLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return line;
    record = parsed as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof record['time'] === 'string' ? record['time'].slice(11, 23) : '';
  const level = (LEVELS[Number(record['level'])] ?? text(record['level'] ?? '')).padEnd(5);
  const keys = [...FIRST_FIELDS.filter((k) => k in record), ...Object.keys(record).filter((k) => !SKIPPED.has(k) && !FIRST_FIELDS.includes(k))];
  const fields = keys.map((key) => `${key}=${formatValue(key, record[key])}`);
  return [time, level, text(record['msg'] ?? ''), ...fields].filter((part) => part !== '').join(' ');
}

function formatValue(key: string, value: unknown): string {
  if (key === 'err' && value && typeof value === 'object') {
    const err = value as { message?: unknown; type?: unknown };
    return JSON.stringify(`${text(err.type ?? 'Error')}: ${text(err.message ?? '')}`);
  }
  if (typeof value === 'string') return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value);
}

/** A log field as text: strings as they are, anything else as JSON (never "[object Object]"). */
function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
