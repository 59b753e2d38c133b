/**
 * Native task routes under /v1/tasks: queue (one or a batch), list, show, wait, log (plain or
 * followed as server-sent events, progress included), cancel, retry and progress; bulk cancel and
 * retry of a selection (ids or a list filter).
 */
import type { FastifyInstance } from 'fastify';
import { DhError } from '../../core/errors.ts';
import { ID_PATTERN } from '../../core/ids.ts';
import { LIMITS } from '../../core/limits.ts';
import { z } from 'zod';
import { CLUSTER_PATTERN, TaskBatchSchema, TaskRequestSchema, codeNameSchema } from '../../core/schemas/task-request.ts';
import { TaskSelectionSchema, type TaskSelection } from '../../core/schemas/task-selection.ts';
import { bulkCancel, bulkRetry } from '../../service/task-bulk.ts';
import { TASK_STATUSES } from '../../core/task-status.ts';
import { ProgressSchema } from '../../core/schemas/progress.ts';
import type { AppContext } from '../../service/context.ts';
import { cancelTask, getTask, queueTask, queueTasks, reportProgress, retryTask, showTask, waitForTask } from '../../service/tasks.ts';
import { projectOf } from '../auth.ts';
import { bodyLimits } from '../body-limits.ts';
import { zodToDhError } from '../errors.ts';
import { annotateRequest, requestTrace } from '../http-tracing.ts';
import { streamLogEvents } from '../log-events.ts';
import { presentTask, presentTasks } from '../present.ts';

/**
 * `?status=a,b&code=N&cluster=C&from=<ms>&to=<ms>&limit=30&before_id=<id>`; each given once. Out-of-range
 * limits are clamped. `before_id` is the cursor of the next page: the id of the last task seen (the page
 * continues strictly after it, so none is skipped or repeated however many tasks share a creation ms).
 * `before` (ms) alone lists tasks created strictly earlier; with `before_id` it stands for that task's
 * created_at, so a cursor still works once its task is gone.
 */
const TaskListQuerySchema = z.object({
  status: z
    .string()
    .optional()
    .transform((value) => (value ? value.split(',') : []))
    .pipe(z.array(z.enum(TASK_STATUSES, { error: `a status is one of ${TASK_STATUSES.join(', ')}` }))),
  code: codeNameSchema.optional(),
  limit: z
    .string()
    .regex(/^\d{1,9}$/, 'limit is a whole number')
    .optional()
    .transform((value) => Math.min(Math.max(Number(value ?? 30) || 30, 1), 1000)),
  before: msQuery('before'),
  before_id: z.string().regex(ID_PATTERN, 'before_id is a task id (24 hex characters)').optional(),
  cluster: z.string().regex(CLUSTER_PATTERN, 'a cluster name is lowercase letters, digits, "_" or "-"').optional(),
  from: msQuery('from'),
  to: msQuery('to'),
});

function msQuery(name: string) {
  return z.string().regex(/^\d{1,16}$/, `${name} is a time in milliseconds`).transform(Number).optional();
}

/** The place of `before_id` in the listing order: its task's creation ms, or `before` when given. */
async function listCursor(ctx: AppContext, projectId: string, id: string, before: number | undefined): Promise<{ id: string; createdMs: number }> {
  if (before !== undefined) return { id, createdMs: before };
  const task = await ctx.tasks.get(id);
  if (!task || task.project_id !== projectId) {
    throw new DhError('DH_ERR_VALIDATION', `before_id names no task of this project; give the created_at of the last task seen as before (ms) too.`, { field: 'before_id' });
  }
  return { id, createdMs: Date.parse(task.created_at) };
}

function parseSelection(body: unknown): TaskSelection {
  const parsed = TaskSelectionSchema.safeParse(body ?? {});
  if (!parsed.success) throw zodToDhError(parsed.error, 'task selection');
  return parsed.data;
}

export function registerTaskRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post('/v1/tasks', { bodyLimit: bodyLimits(ctx.settings).taskBatch, config: { trace: true } }, async (request, reply) => {
    const project = projectOf(request);
    const body = request.body as Record<string, unknown> | undefined;
    const trace = requestTrace(request);
    if (body && typeof body === 'object' && 'tasks' in body) {
      const parsed = TaskBatchSchema.safeParse(body);
      if (!parsed.success) throw zodToDhError(parsed.error, 'task batch');
      // One trace per task: each starts its own, linked to this request. All are queued or none.
      const tasks = await queueTasks(ctx, project.id, parsed.data.tasks, trace ? { links: [trace] } : {});
      return reply.status(201).send({ tasks: presentTasks(tasks) });
    }
    const parsed = TaskRequestSchema.safeParse(body);
    if (!parsed.success) throw zodToDhError(parsed.error, 'task');
    const task = await queueTask(ctx, project.id, parsed.data, trace ? { trace } : {});
    annotateRequest(request, { 'dockhand.task.id': task.id, 'dockhand.code.name': task.code_name });
    return reply.status(201).send(presentTask(task));
  });

  app.get('/v1/tasks', async (request) => {
    const project = projectOf(request);
    const parsed = TaskListQuerySchema.safeParse(request.query ?? {});
    if (!parsed.success) throw zodToDhError(parsed.error, 'task list query');
    const { status, code, cluster, from, to, limit, before, before_id: beforeId } = parsed.data;
    const after = beforeId !== undefined ? await listCursor(ctx, project.id, beforeId, before) : undefined;
    const tasks = await ctx.tasks.list(project.id, {
      status,
      ...(code ? { codeName: code } : {}),
      ...(cluster ? { cluster } : {}),
      limit,
      ...(after ? { after } : before !== undefined ? { before } : {}),
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
    });
    return { tasks: presentTasks(tasks) };
  });

  app.post('/v1/tasks/cancel', async (request) => bulkCancel(ctx, projectOf(request).id, parseSelection(request.body)));
  app.post('/v1/tasks/retry', async (request) => bulkRetry(ctx, projectOf(request).id, parseSelection(request.body)));

  app.get<{ Params: { id: string } }>('/v1/tasks/:id', async (request) => presentTask(await showTask(ctx, projectOf(request).id, request.params.id)));

  app.get<{ Params: { id: string }; Querystring: { timeout?: string } }>('/v1/tasks/:id/wait', async (request) => {
    const seconds = Math.min(Math.max(Number(request.query.timeout ?? 30) || 30, 0), 60);
    return presentTask(await waitForTask(ctx, projectOf(request).id, request.params.id, seconds * 1000));
  });

  app.post<{ Params: { id: string } }>('/v1/tasks/:id/cancel', async (request) => presentTask(await cancelTask(ctx, projectOf(request).id, request.params.id)));

  app.post<{ Params: { id: string }; Body: { delay?: number } | undefined }>('/v1/tasks/:id/retry', { config: { trace: true } }, async (request, reply) => {
    const delay = request.body?.delay;
    if (delay !== undefined && (!Number.isInteger(delay) || delay < 0 || delay > LIMITS.delayMax)) {
      throw new DhError('DH_ERR_VALIDATION', `delay must be a whole number of seconds from 0 to ${LIMITS.delayMax}.`);
    }
    const task = await retryTask(ctx, projectOf(request).id, request.params.id, delay, requestTrace(request));
    annotateRequest(request, { 'dockhand.task.id': task.id, 'dockhand.code.name': task.code_name });
    return reply.status(201).send(presentTask(task));
  });

  app.post<{ Params: { id: string } }>('/v1/tasks/:id/progress', async (request) => {
    const parsed = ProgressSchema.safeParse(request.body ?? {});
    if (!parsed.success) throw zodToDhError(parsed.error, 'progress');
    return presentTask(await reportProgress(ctx, projectOf(request).id, request.params.id, parsed.data));
  });

  app.get<{ Params: { id: string }; Querystring: { follow?: string } }>('/v1/tasks/:id/log', async (request, reply) => {
    const task = await getTask(ctx, projectOf(request).id, request.params.id);
    if (request.query.follow !== '1' && request.query.follow !== 'true') {
      return reply.header('content-type', 'text/plain; charset=utf-8').send(await ctx.logs.text(task.id));
    }
    reply.hijack();
    await streamLogEvents(ctx, task.id, request.raw, reply.raw);
  });
}
