/**
 * Dockhand's own structured logs: JSON lines (pino) on stderr, with task_id and trace_id as fields
 * wherever a task is involved, so one grep follows a task across server and workers.
 *
 * Dockhand never logs a payload, a config, env vars or a token. As a second line of defence, fields
 * of those names are censored wherever a log call would pass them (top level or one object deep).
 */
import { pino, destination as pinoDestination, type Logger } from 'pino';

export type { Logger };

const SECRET_FIELDS = ['payload', 'config', 'env_vars', 'token', 'authorization', 'password', 'secret'];

export const LOG_REDACT_PATHS = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((field) => `*.${field}`),
  'req.headers.authorization',
  'req.headers.cookie',
];

export function createLogger(level: string, destination: NodeJS.WritableStream = process.stderr): Logger {
  return pino(
    { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime, redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' } },
    pinoDestination({ dest: (destination as { fd?: number }).fd ?? 2, sync: false }),
  );
}
