/**
 * `dockhand dev --json` in a child process, as a user would run it, with its events parsed as they
 * arrive so a test can wait for the one it expects.
 *
 *   const dev = startDev([dir, '--name', 'x', '--stack', 'node-20'], fleet.env);
 *   await dev.next((e) => e.event === 'finished');
 *   process.kill(dev.pid, 'SIGINT'); await dev.exited;
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { DevEvent } from '../../src/cli/dev/dev-events.ts';
import { REPO_ROOT } from './cli.ts';

export interface DevProcess {
  pid: number;
  events: DevEvent[];
  /** Resolves with the first event after the last one `next` returned that matches. */
  next<T extends DevEvent>(match: (event: DevEvent) => event is T, timeoutMs?: number): Promise<T>;
  next(match: (event: DevEvent) => boolean, timeoutMs?: number): Promise<DevEvent>;
  exited: Promise<{ code: number | null; stderr: string }>;
  interrupt(): Promise<{ code: number | null; stderr: string }>;
}

export function startDev(args: string[], env: Record<string, string>): DevProcess {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/dockhand.js'), 'dev', ...args, '--json'], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const events: DevEvent[] = [];
  const waiters = new Set<() => void>();
  let stdout = '';
  let stderr = '';
  let cursor = 0;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    let newline: number;
    while ((newline = stdout.indexOf('\n')) >= 0) {
      events.push(JSON.parse(stdout.slice(0, newline)) as DevEvent);
      stdout = stdout.slice(newline + 1);
    }
    for (const wake of waiters) wake();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('exit', (code) => {
    for (const wake of waiters) wake();
    resolve({ code, stderr });
  }));
  const next = (match: (event: DevEvent) => boolean, timeoutMs = 60_000): Promise<DevEvent> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(look);
        reject(new Error(`no matching dev event within ${timeoutMs} ms; events so far:\n${events.map((e) => JSON.stringify(e).slice(0, 300)).join('\n')}\nstderr: ${stderr}`));
      }, timeoutMs);
      function look(): void {
        for (; cursor < events.length; cursor++) {
          if (match(events[cursor]!)) {
            const found = events[cursor++]!;
            clearTimeout(timer);
            waiters.delete(look);
            resolve(found);
            return;
          }
        }
        if (child.exitCode !== null) {
          clearTimeout(timer);
          waiters.delete(look);
          reject(new Error(`dockhand dev exited (${child.exitCode}) before the expected event; stderr: ${stderr}`));
        }
      }
      waiters.add(look);
      look();
    });
  return {
    pid: child.pid!,
    events,
    next: next,
    exited,
    interrupt: () => {
      child.kill('SIGINT');
      return exited;
    },
  };
}
