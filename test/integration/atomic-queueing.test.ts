/**
 * Queueing is one atomic step against a real Redis: a batch queues every task or none, the whole
 * batch is one script call, and a server whose connection dies at any point of a request leaves no
 * task recorded but not queued. No Docker. About 2 s.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseSettings } from '../../src/core/settings.ts';
import { createContext, type AppContext } from '../../src/service/context.ts';
import { queueTask, queueTasks } from '../../src/service/tasks.ts';
import { addTestRevision } from '../helpers/code-revision.ts';

// No span exporter: a connection made to fail would leave its writes hanging at close, and the
// trace context under test is the one the queue carries, written whether tracing exports or not.
const TRACING_OFF = { OTEL_SDK_DISABLED: 'true' };

let ctx: AppContext;
let dataDir: string;
let projectId: string;

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-atomic-'));
  const prefix = `dhtest:${randomBytes(4).toString('hex')}:`;
  ctx = await createContext(parseSettings({ ...process.env, DOCKHAND_REDIS_PREFIX: prefix, DOCKHAND_DATA_DIR: dataDir, DOCKHAND_LOG_LEVEL: 'warn', ...TRACING_OFF }));
  projectId = (await ctx.projects.create('atomic')).project.id;
  await addTestRevision(ctx, projectId, 'noop');
});

afterEach(async () => {
  restoreSend();
  const keys = await ctx.redis.keys(`${ctx.keys.prefix}*`);
  if (keys.length > 0) await ctx.redis.del(...keys);
  await ctx.close();
  await rm(dataDir, { recursive: true, force: true });
});

type Send = (command: Command, ...rest: unknown[]) => unknown;

/** Puts `wrap` between the context's connection and Redis; restoreSend() takes it away. */
function interceptSend(wrap: (command: Command, send: Send) => unknown): void {
  const send = ctx.redis.sendCommand.bind(ctx.redis) as Send;
  const intercepted: Send = (command, ...rest) => wrap(command, (c, ...r) => send(c, ...(r.length > 0 ? r : rest)));
  Object.assign(ctx.redis, { sendCommand: intercepted });
}

/** The connection's own sendCommand again (the override is an own property over the prototype's). */
function restoreSend(): void {
  Reflect.deleteProperty(ctx.redis, 'sendCommand');
}

/** Every command the context's connection sends from now on, by name. */
function recordCommands(): string[] {
  const sent: string[] = [];
  interceptSend((command, send) => {
    sent.push(command.name.toLowerCase());
    return send(command);
  });
  return sent;
}

/** The connection dies after `allowed` more commands: every later one fails as a lost connection would. */
function loseConnectionAfter(allowed: number): void {
  let sent = 0;
  interceptSend((command, send) => {
    if (sent++ >= allowed) {
      command.reject(new Error('Connection is closed.'));
      return command.promise;
    }
    return send(command);
  });
}

async function storedTaskIds(): Promise<string[]> {
  const keys = await ctx.redis.keys(`${ctx.keys.prefix}task:*`);
  return keys.map((key) => key.slice(`${ctx.keys.prefix}task:`.length));
}

async function isQueued(taskId: string): Promise<boolean> {
  const [ready, delayed] = await Promise.all([
    ctx.redis.zscore(ctx.keys.queueReady('default', ''), taskId),
    ctx.redis.zscore(ctx.keys.queueDelayed('default'), taskId),
  ]);
  return ready !== null || delayed !== null;
}

describe('queueing tasks', () => {
  it('queues a batch of 100 with one script call and every task lands in its ready set in order', async () => {
    const sent = recordCommands();
    const tasks = await queueTasks(ctx, projectId, Array.from({ length: 100 }, (_, i) => ({ code_name: 'noop', payload: { i } })));
    // One script call writes the batch (besides reading the package once and a wake-up notice).
    expect(sent.filter((name) => name === 'evalsha' || name === 'eval')).toHaveLength(1);
    // Besides the script: reading the package's current revision once, and one wake-up notice.
    expect(sent.length).toBeLessThanOrEqual(5);
    expect(tasks).toHaveLength(100);
    const ready = await ctx.redis.zrange(ctx.keys.queueReady('default', ''), 0, -1);
    expect(ready).toEqual(tasks.map((t) => t.id));
    for (const task of tasks.slice(0, 3)) {
      const stored = await ctx.tasks.get(task.id);
      expect(stored).toMatchObject({ status: 'queued', code_name: 'noop', payload: task.payload, trace_id: task.trace_id });
      // The trace context travels with the queued task, written in the same step.
      expect(await ctx.redis.hget(ctx.keys.task(task.id), 'q_trace')).toContain(task.trace_id);
    }
  });

  it('queues none of a batch when one task names a package that does not exist', async () => {
    const attempt = queueTasks(ctx, projectId, [{ code_name: 'noop' }, { code_name: 'noop' }, { code_name: 'missing' }]);
    await expect(attempt).rejects.toMatchObject({ code: 'DH_ERR_CODE_NOT_FOUND' });
    expect(await storedTaskIds()).toEqual([]);
    expect(await ctx.redis.zcard(ctx.keys.queueReady('default', ''))).toBe(0);
  });

  it('queues none of a batch when its last payload is over the limit', async () => {
    const big = 'x'.repeat(ctx.settings.DOCKHAND_PAYLOAD_MAX_BYTES + 1);
    const attempt = queueTasks(ctx, projectId, [{ code_name: 'noop' }, { code_name: 'noop', payload: big }]);
    await expect(attempt).rejects.toMatchObject({ code: 'DH_ERR_PAYLOAD_TOO_LARGE' });
    expect(await storedTaskIds()).toEqual([]);
  });

  it('leaves no task recorded but not queued, wherever the connection dies during a request', async () => {
    for (let allowed = 0; allowed <= 6; allowed++) {
      loseConnectionAfter(allowed);
      await queueTasks(ctx, projectId, [{ code_name: 'noop', delay: allowed % 2 }, { code_name: 'noop' }]).catch(() => undefined);
      await queueTask(ctx, projectId, { code_name: 'noop' }, { trace: { traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01` } }).catch(() => undefined);
      restoreSend();
      for (const id of await storedTaskIds()) expect(await isQueued(id), `task ${id} after ${allowed} command(s)`).toBe(true);
    }
    // Some runs got through, so the check above looked at real tasks.
    expect((await storedTaskIds()).length).toBeGreaterThan(0);
  });

  it('queues a task with a fixed id once: a second call returns the first record and queues nothing more', async () => {
    const taskId = randomBytes(12).toString('hex');
    const first = await queueTask(ctx, projectId, { code_name: 'noop', payload: 'one' }, { taskId });
    const second = await queueTask(ctx, projectId, { code_name: 'noop', payload: 'two' }, { taskId });
    expect(second).toMatchObject({ id: taskId, payload: 'one', trace_id: first.trace_id });
    expect(await ctx.redis.zrange(ctx.keys.queueReady('default', ''), 0, -1)).toEqual([taskId]);
  });
});
