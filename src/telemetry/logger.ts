/**
 * Dockhand's own structured logs: JSON lines (pino) on stderr, with task_id and trace_id as fields
 * wherever a task is involved, so one grep follows a task across server and workers. In a terminal
 * (or with DOCKHAND_LOG_FORMAT=pretty) the same records are printed as aligned, readable lines.
 *
 * Dockhand never logs a payload, a config, env vars or a token. As a second line of defence, fields
 * of those names are censored wherever a log call would pass them (top level or one object deep).
 *
 *   const logger = createLogger('info', { format: 'auto' });
 *   taskLogger(logger, task).warn({ err }, 'log write failed');   // carries task_id and trace_id
 */
import { Writable } from 'node:stream';
import { pino, destination as pinoDestination, type Logger } from 'pino';
import { formatLogLine } from './pretty-log.ts';

export type { Logger };

const SECRET_FIELDS = ['payload', 'config', 'env_vars', 'token', 'authorization', 'password', 'secret'];

export const LOG_REDACT_PATHS = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((field) => `*.${field}`),
  'req.headers.authorization',
  'req.headers.cookie',
];

export type LogFormat = 'auto' | 'json' | 'pretty';

export interface LoggerOptions {
  format?: LogFormat;
  /** Where lines go; stderr by default. */
  destination?: NodeJS.WritableStream & { fd?: number; isTTY?: boolean };
}

export function createLogger(level: string, options: LoggerOptions | NodeJS.WritableStream = {}): Logger {
  const opts: LoggerOptions = 'write' in options ? { destination: options } : options;
  const target = opts.destination ?? process.stderr;
  const pretty = opts.format === 'pretty' || (opts.format === 'auto' && (target as { isTTY?: boolean }).isTTY === true);
  const base = {
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' },
  };
  if (pretty) return pino(base, prettyStream(target));
  const fd = (target as { fd?: unknown }).fd;
  // A file descriptor gets pino's fast asynchronous writer; any other stream is written to as is.
  return typeof fd === 'number' ? pino(base, pinoDestination({ dest: fd, sync: false })) : pino(base, target);
}

/** A child logger whose every line names the task and its trace. */
export function taskLogger(logger: Logger, task: { id: string; trace_id?: string }): Logger {
  return logger.child(task.trace_id ? { task_id: task.id, trace_id: task.trace_id } : { task_id: task.id });
}

function prettyStream(target: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() !== '') target.write(`${formatLogLine(line)}\n`);
      }
      done();
    },
  });
}
