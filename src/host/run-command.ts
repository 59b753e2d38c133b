/**
 * Runs host programs (apt-get, debootstrap, redis-server) and streams their output line by line, keeping
 * the last lines so a failure can say what went wrong. Also finds programs in sbin directories, which
 * are often missing from a non-root PATH.
 *
 *   const { code, tail } = await runStreaming('apt-get', ['install', '-y', 'redis-server'], { onLine: log });
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Called with every line of stdout and stderr, in arrival order per stream. */
  onLine?: (line: string) => void;
  /** How many trailing lines to keep for error messages. */
  tailLines?: number;
}

export interface RunResult {
  code: number;
  tail: string[];
}

export async function runStreaming(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const keep = options.tailLines ?? 30;
  const tail: string[] = [];
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const onLine = (line: string): void => {
    tail.push(line);
    if (tail.length > keep) tail.shift();
    options.onLine?.(line);
  };
  const done = Promise.all([readLines(child.stdout, onLine), readLines(child.stderr, onLine)]);
  const code = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode, signal) => resolve(exitCode ?? (signal ? 128 : 1)));
  });
  await done;
  return { code, tail };
}

function readLines(stream: Readable, onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    lines.on('line', onLine);
    lines.once('close', resolve);
  });
}

/** sbin directories hold dockerd and debootstrap but are not always on PATH for non-root users. */
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** The absolute path of an executable named `name`, or undefined when none is installed. */
export function findExecutable(name: string, envPath: string = process.env.PATH ?? ''): string | undefined {
  const dirs = [...envPath.split(path.delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

/** The last lines of a text, for error messages that point at the cause. */
export function lastLines(text: string, count: number): string {
  return text.split('\n').filter((line) => line.trim() !== '').slice(-count).join('\n');
}

/** The last lines of a daemon's log file, or a note that it has none. */
export function fileTail(file: string, count: number): string {
  try {
    return lastLines(readFileSync(file, 'utf8'), count);
  } catch {
    return '(no log written)';
  }
}
