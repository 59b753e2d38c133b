/**
 * A task's log followed as server-sent events (`GET /v1/tasks/:id/log?follow=1`): each log entry is
 * an event named by its stream whose `id` is its cursor in the log, `progress` events carry the
 * task's percent and msg when they change, and `end` carries the final status.
 *
 * - Resume: a client that lost the connection reconnects with the last id it saw as `Last-Event-ID`
 *   and gets exactly the entries after it: nothing lost, nothing repeated.
 * - Keep-alive: a comment line after every `keepAliveMs` of silence, so proxies and idle timeouts do
 *   not cut a stream while a task is quiet.
 * - Backpressure: when the socket's buffer is full, nothing more is read from Redis until it drains,
 *   so a slow reader holds the loop instead of growing the server's memory.
 *
 *   reply.hijack();
 *   await streamLogEvents(ctx, task.id, request.raw, reply.raw);
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Task } from '../core/model.ts';
import { isFinished } from '../core/task-status.ts';
import type { AppContext } from '../service/context.ts';
import type { LogEntry } from '../store/ports.ts';

/** How long one blocking read of the log waits before the loop looks at the task again. */
const FOLLOW_BLOCK_MS = 200;
/** While output streams in, the task record (progress, finished?) is read at most this often. */
const PROGRESS_CHECK_MS = 500;
const KEEP_ALIVE_MS = 15_000;
/** A log cursor (a Redis stream id); anything else in Last-Event-ID is ignored. */
const CURSOR = /^\d+-\d+$/;

export interface LogEventOptions {
  keepAliveMs?: number;
}

export async function streamLogEvents(ctx: AppContext, taskId: string, request: IncomingMessage, response: ServerResponse, options: LogEventOptions = {}): Promise<void> {
  const keepAliveMs = options.keepAliveMs ?? KEEP_ALIVE_MS;
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  let closed = false;
  request.on('close', () => { closed = true; });
  let lastWriteAt = Date.now();
  const write = async (text: string): Promise<void> => {
    lastWriteAt = Date.now();
    if (response.write(text) || closed) return;
    await new Promise<void>((resolve) => {
      const resume = (): void => {
        response.off('drain', resume);
        request.off('close', resume);
        resolve();
      };
      response.on('drain', resume);
      request.on('close', resume);
    });
  };

  const resumeFrom = request.headers['last-event-id'];
  let cursor = typeof resumeFrom === 'string' && CURSOR.test(resumeFrom) ? resumeFrom : '0-0';
  const send = async (entries: LogEntry[]): Promise<void> => {
    for (const entry of entries) {
      await write(`id: ${entry.cursor}\nevent: ${entry.stream}\ndata: ${JSON.stringify(entry.data)}\n\n`);
      cursor = entry.cursor;
    }
  };
  let progressSent = '';
  const sendProgress = async (current: Task | undefined): Promise<void> => {
    if (current?.percent === undefined) return;
    const progress = JSON.stringify({ percent: current.percent, ...(current.msg !== undefined ? { msg: current.msg } : {}) });
    if (progress === progressSent) return;
    progressSent = progress;
    await write(`event: progress\ndata: ${progress}\n\n`);
  };

  const follower = ctx.logs.follower(taskId);
  let checkedAt = 0;
  try {
    await send(await ctx.logs.read(taskId, cursor === '0-0' ? '0' : cursor));
    // Block briefly for more; between blocks, see whether the task has ended and the log is drained.
    while (!closed) {
      const entries = await follower.next(cursor, FOLLOW_BLOCK_MS);
      await send(entries);
      if (Date.now() - lastWriteAt >= keepAliveMs) await write(': keep-alive\n\n');
      if (entries.length > 0 && Date.now() - checkedAt < PROGRESS_CHECK_MS) continue;
      const current = await ctx.tasks.get(taskId);
      checkedAt = Date.now();
      await sendProgress(current);
      if (entries.length > 0) continue;
      if (!current || isFinished(current.status)) {
        await send(await ctx.logs.read(taskId, cursor === '0-0' ? '0' : cursor));
        await write(`event: end\ndata: ${JSON.stringify({ status: current?.status })}\n\n`);
        break;
      }
    }
  } finally {
    follower.close();
    response.end();
  }
}
