/**
 * Following a running task's output, live: the SDK's async iterator over server-sent events and
 * `dockhand task logs ID -f` both show a line while the task that printed it is still running, keep
 * the order and the stream of every line, carry progress, and end when the task ends.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogLine, TaskProgress } from '../../src/sdk/index.ts';
import { REPO_ROOT } from '../helpers/cli.ts';
import { startFleet, type TestFleet } from '../helpers/fleet.ts';

let fleet: TestFleet;

beforeAll(async () => {
  fleet = await startFleet();
  await fleet.client.codes.upload('test/fixtures/workers/ticker', { name: 'ticker', stack: 'shell' });
});

afterAll(async () => {
  await fleet?.stop();
});

/** Consecutive pieces of one stream joined, as a reader sees lines. */
function joined(lines: LogLine[]): [string, string][] {
  const out: [string, string][] = [];
  for (const line of lines) {
    const last = out.at(-1);
    if (last && last[0] === line.stream) last[1] += line.data;
    else out.push([line.stream, line.data]);
  }
  return out;
}

describe('following a task\'s log', () => {
  it('shows a line while the task is still running, in order, with its stream, and ends with the task', async () => {
    const task = await fleet.client.tasks.queue('ticker');
    const lines: LogLine[] = [];
    const progress: TaskProgress[] = [];
    let statusAtFirstLine: string | undefined;
    for await (const line of fleet.client.tasks.logs(task.id, { follow: true, onProgress: (p) => progress.push(p) })) {
      lines.push(line);
      if (statusAtFirstLine === undefined && line.data.includes('tick 1')) statusAtFirstLine = (await fleet.ctx.tasks.get(task.id))?.status;
    }
    expect(statusAtFirstLine).toBe('running');
    expect(joined(lines)).toEqual([['stdout', 'tick 1\n'], ['stderr', 'tock 1\n'], ['stdout', 'tick 2\n'], ['stderr', 'tock 2\n']]);
    expect(progress).toContainEqual({ percent: 50, msg: 'halfway' });
    // The iterator ended because the task did.
    expect((await fleet.client.tasks.get(task.id)).status).toBe('complete');
  });

  it('streams through `dockhand task logs ID -f` while the task runs and exits when it ends', async () => {
    const task = await fleet.client.tasks.queue('ticker');
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/dockhand.js'), 'task', 'logs', task.id, '-f'], { cwd: REPO_ROOT, env: { ...process.env, ...fleet.env } });
    let stdout = '';
    let stderr = '';
    let statusAtFirstLine: Promise<string | undefined> | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!statusAtFirstLine && stdout.includes('tick 1')) statusAtFirstLine = fleet.ctx.tasks.get(task.id).then((t) => t?.status);
    });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(await statusAtFirstLine).toBe('running');
    expect(code).toBe(0);
    expect(stdout).toBe('tick 1\ntick 2\n');
    expect(stderr).toBe('tock 1\ntock 2\n');
  });
});
