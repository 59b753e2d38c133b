/**
 * How every command speaks: data on stdout (JSON with --json, else a readable table or lines), human
 * progress and errors on stderr, and exit codes a script can trust (see EXIT_CODES).
 */
import { isDhError } from '../core/errors.ts';
import { DockhandApiError } from '../sdk/http.ts';

export const EXIT_CODES = {
  ok: 0,
  /** The command failed: bad input, an unreachable server, a refused request. */
  failed: 1,
  /** Wrong usage: unknown command or option, missing argument. */
  usage: 2,
  /** `--wait`: the task finished with status error. */
  taskError: 10,
  /** `--wait`: the task hit its timeout. */
  taskTimeout: 11,
  /** `--wait`: the task was cancelled. */
  taskCancelled: 12,
} as const;

export class CliExit extends Error {
  constructor(readonly exitCode: number, message: string) {
    super(message);
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function info(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** A plain table: one header row, columns padded to the widest cell. */
export function table(rows: Record<string, unknown>[], columns: string[]): string {
  const cells = rows.map((row) => columns.map((c) => formatCell(row[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]): string => values.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...cells.map(line)].join('\n');
}

function formatCell(value: unknown): string {
  if (value === undefined || value === null) return '-';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function errorMessage(err: unknown): { message: string; exitCode: number } {
  if (err instanceof CliExit) return { message: err.message, exitCode: err.exitCode };
  if (err instanceof DockhandApiError) return { message: err.message, exitCode: EXIT_CODES.failed };
  if (isDhError(err)) return { message: err.message, exitCode: EXIT_CODES.failed };
  return { message: (err as Error)?.message ?? String(err), exitCode: EXIT_CODES.failed };
}

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
  return `${value < 10 && unit > 0 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '-';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}
