/**
 * Dockhand's own structured logs: JSON lines (pino) on stderr, with task_id and trace_id as fields
 * wherever a task is involved, so one grep follows a task across server and workers.
 */
import { pino, destination as pinoDestination, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination: NodeJS.WritableStream = process.stderr): Logger {
  return pino({ level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, pinoDestination({ dest: (destination as { fd?: number }).fd ?? 2, sync: false }));
}
