/**
 * Following a task's log over server-sent events against a real server and a real Redis (no Docker:
 * the log is written straight to the log store): a dropped stream resumed with Last-Event-ID misses
 * and repeats nothing, a quiet task's stream carries keep-alive comments, and a reader that stops
 * reading for a while still gets every entry, in order.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { streamLogEvents } from '../../src/api/log-events.ts';
import { parseSettings } from '../../src/core/settings.ts';
import { readSse, type SseEvent } from '../../src/sdk/sse.ts';
import { createContext, type AppContext } from '../../src/service/context.ts';
import { queueTask } from '../../src/service/tasks.ts';
import { addTestRevision } from '../helpers/code-revision.ts';

let ctx: AppContext;
let dataDir: string;
let url: string;
let token: string;
let projectId: string;
let closeApp: () => Promise<void>;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-sse-'));
  ctx = await createContext(parseSettings({ ...process.env, DOCKHAND_REDIS_PREFIX: `dhtest:${randomBytes(4).toString('hex')}:`, DOCKHAND_DATA_DIR: dataDir, DOCKHAND_LOG_LEVEL: 'warn' }));
  const created = await ctx.projects.create('sse');
  projectId = created.project.id;
  token = created.token;
  await addTestRevision(ctx, projectId, 'quiet');
  const app = await buildApp(ctx, { logger: false });
  url = await app.listen({ port: 0, host: '127.0.0.1' });
  closeApp = () => app.close();
});

afterAll(async () => {
  await closeApp?.();
  const keys = await ctx.redis.keys(`${ctx.keys.prefix}*`);
  if (keys.length > 0) await ctx.redis.del(...keys);
  await ctx.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function queuedTask(): Promise<string> {
  return (await queueTask(ctx, projectId, { code_name: 'quiet', delay: 3600 })).id;
}

async function writeLines(taskId: string, from: number, count: number, size = 0): Promise<void> {
  const entries = Array.from({ length: count }, (_, i) => ({ stream: 'stdout' as const, data: `line ${from + i}${'.'.repeat(size)}\n` }));
  await ctx.logs.append(taskId, entries);
}

function follow(taskId: string, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(`${url}/v1/tasks/${taskId}/log?follow=1`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...headers }, ...(signal ? { signal } : {}) });
}

/** Reads log events until `stop` says so (or the stream ends), returning the lines and the events. */
async function collect(response: Response, stop: (events: SseEvent[]) => boolean): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const event of readSse(response.body!)) {
    events.push(event);
    if (stop(events)) break;
  }
  return events;
}

const lines = (events: SseEvent[]): string[] => events.filter((e) => e.event === 'stdout').map((e) => JSON.parse(e.data) as string);

describe('following a log as server-sent events', () => {
  it('resumes a dropped stream from Last-Event-ID with nothing lost and nothing repeated', async () => {
    const taskId = await queuedTask();
    await writeLines(taskId, 0, 50);
    const dropped = new AbortController();
    const first = await collect(await follow(taskId, {}, dropped.signal), (events) => lines(events).length === 20);
    dropped.abort();
    const lastId = first.filter((e) => e.id !== undefined).at(-1)!.id!;
    await writeLines(taskId, 50, 30);
    await ctx.tasks.transition(taskId, ['queued'], 'cancelled', { end_time: new Date().toISOString() });
    const rest = await collect(await follow(taskId, { 'last-event-id': lastId }), (events) => events.at(-1)?.event === 'end');
    expect([...lines(first), ...lines(rest)]).toEqual(Array.from({ length: 80 }, (_, i) => `line ${i}\n`));
    expect(rest.at(-1)).toMatchObject({ event: 'end', data: JSON.stringify({ status: 'cancelled' }) });
  });

  it('sends a keep-alive comment while the task prints nothing', async () => {
    const taskId = await queuedTask();
    const app = Fastify();
    app.get('/follow', async (request, reply) => {
      reply.hijack();
      await streamLogEvents(ctx, taskId, request.raw, reply.raw, { keepAliveMs: 300 });
    });
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const stopped = new AbortController();
      const response = await fetch(`${base}/follow`, { signal: stopped.signal });
      const reader = response.body!.getReader();
      let text = '';
      for (const deadline = Date.now() + 5000; !text.includes(': keep-alive') && Date.now() < deadline;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      stopped.abort();
      expect(text).toContain(': keep-alive\n\n');
    } finally {
      await app.close();
    }
  });

  it('holds the stream for a reader that stops reading, then delivers every entry in order', async () => {
    const taskId = await queuedTask();
    // About 8 MB: far more than a socket buffers, so the server has to wait for the reader.
    await writeLines(taskId, 0, 2000, 4000);
    await ctx.tasks.transition(taskId, ['queued'], 'cancelled', { end_time: new Date().toISOString() });
    const response = await follow(taskId);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const events = await collect(response, (all) => all.at(-1)?.event === 'end');
    expect(lines(events).map((line) => line.slice(0, line.indexOf('.')))).toEqual(Array.from({ length: 2000 }, (_, i) => `line ${i}`));
  });
});
