/**
 * IronWorker task routes under `/2/projects/{project_id}/tasks`: queue a batch, list with IronWorker's
 * filters and paging, show, log (and `outlog`, stdout alone), cancel, progress and retry. Every one is
 * the native use case from service/tasks.ts with IronWorker's shapes around it.
 */
import type { FastifyInstance } from 'fastify';
import { LIMITS } from '../../core/limits.ts';
import type { TaskRequest } from '../../core/schemas/task-request.ts';
import { IronTaskBatchSchema, ironPaging, ironTaskFilter, ironTaskRequest } from '../../core/schemas/ironworker-task.ts';
import { getCode } from '../../service/codes.ts';
import type { AppContext } from '../../service/context.ts';
import { ProgressSchema } from '../../core/schemas/progress.ts';
import { cancelTask, getTask, queueTasks, reportProgress, retryTask } from '../../service/tasks.ts';
import { projectOf } from '../auth.ts';
import { bodyLimits } from '../body-limits.ts';
import { requestTrace } from '../http-tracing.ts';
import { ironInvalid } from './errors.ts';
import { ironTask } from './task-shape.ts';

type TaskParams = { Params: { project_id: string; task_id: string } };

export function registerIronTaskRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post('/projects/:project_id/tasks', { bodyLimit: bodyLimits(ctx.settings).taskBatch, config: { trace: true } }, async (request) => {
    const project = projectOf(request);
    const batch = IronTaskBatchSchema.safeParse(request.body);
    if (!batch.success) throw ironInvalid({ field: batch.error.issues[0]?.path.join('.') || 'tasks', message: batch.error.issues[0]?.message ?? 'invalid' }, 'task batch');
    if (batch.data.tasks.length > LIMITS.batchMax) throw ironInvalid({ field: 'tasks', message: `at most ${LIMITS.batchMax} tasks per request` }, 'task batch');
    // Every task (and its code package) is checked before any is queued, so a bad item never leaves
    // half a batch behind.
    const requests: TaskRequest[] = [];
    batch.data.tasks.forEach((item, i) => {
      const parsed = ironTaskRequest(item);
      if (!parsed.ok) throw ironInvalid({ field: `tasks.${i}.${parsed.field}`, message: parsed.message }, 'task');
      requests.push(parsed.value);
    });
    for (const codeName of new Set(requests.map((r) => r.code_name))) await getCode(ctx, project.id, codeName);
    // As on /v1: a lone task continues the request's trace; each task of a batch starts its own, linked.
    const trace = requestTrace(request);
    const options = trace ? (requests.length === 1 ? { trace } : { links: [trace] }) : {};
    const tasks = await queueTasks(ctx, project.id, requests, options);
    return { msg: 'Queued up', tasks: tasks.map(ironTask) };
  });

  app.get('/projects/:project_id/tasks', async (request) => {
    const project = projectOf(request);
    const query = request.query as Record<string, unknown>;
    const paging = ironPaging(query);
    if (!paging.ok) throw ironInvalid(paging, 'query');
    const filter = ironTaskFilter(query);
    if (!filter.ok) throw ironInvalid(filter, 'query');
    const { statuses, codeName, cluster, label, from, to } = filter.value;
    // Only `killed=1`: a status Dockhand never gives, so nothing matches.
    if (statuses !== undefined && statuses.length === 0) return { tasks: [] };
    const tasks = await ctx.tasks.list(project.id, {
      limit: paging.value.perPage,
      offset: paging.value.offset,
      ...(statuses ? { status: statuses } : {}),
      ...(codeName !== undefined ? { codeName } : {}),
      ...(cluster !== undefined ? { cluster } : {}),
      ...(label !== undefined ? { label } : {}),
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
    });
    return { tasks: tasks.map(ironTask) };
  });

  app.get<TaskParams>('/projects/:project_id/tasks/:task_id', async (request) => ironTask(await getTask(ctx, projectOf(request).id, request.params.task_id)));

  app.get<TaskParams>('/projects/:project_id/tasks/:task_id/log', async (request, reply) => {
    const task = await getTask(ctx, projectOf(request).id, request.params.task_id);
    return reply.header('content-type', 'text/plain; charset=utf-8').send(await ctx.logs.text(task.id));
  });

  /** What the task wrote on stdout alone; the Node client's `tasksRun` reads it. */
  app.get<TaskParams>('/projects/:project_id/tasks/:task_id/outlog', async (request, reply) => {
    const task = await getTask(ctx, projectOf(request).id, request.params.task_id);
    const parts: string[] = [];
    for (let after = '0'; ;) {
      const batch = await ctx.logs.read(task.id, after, 10_000);
      for (const entry of batch) if (entry.stream === 'stdout') parts.push(entry.data);
      if (batch.length < 10_000) break;
      after = batch[batch.length - 1]!.cursor;
    }
    return reply.header('content-type', 'text/plain; charset=utf-8').send(parts.join(''));
  });

  app.post<TaskParams>('/projects/:project_id/tasks/:task_id/cancel', async (request) => {
    await cancelTask(ctx, projectOf(request).id, request.params.task_id);
    return { msg: 'Cancelled' };
  });

  app.post<TaskParams>('/projects/:project_id/tasks/:task_id/progress', async (request) => {
    const project = projectOf(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    // IronWorker took a message alone; it keeps the percent the task already has (0 when none).
    const percent = body['percent'] ?? (await getTask(ctx, project.id, request.params.task_id)).percent ?? 0;
    const parsed = ProgressSchema.safeParse({ percent, ...(body['msg'] !== undefined ? { msg: body['msg'] } : {}) });
    if (!parsed.success) throw ironInvalid({ field: parsed.error.issues[0]?.path.join('.') || 'body', message: parsed.error.issues[0]?.message ?? 'invalid' }, 'progress');
    await reportProgress(ctx, project.id, request.params.task_id, parsed.data);
    return { msg: 'Progress set' };
  });

  app.post<TaskParams>('/projects/:project_id/tasks/:task_id/retry', { config: { trace: true } }, async (request) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const raw = body['delay'];
    let delay: number | undefined;
    if (raw !== undefined && raw !== null && raw !== '') {
      delay = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : NaN;
      if (!Number.isInteger(delay) || delay < 0 || delay > LIMITS.delayMax) {
        throw ironInvalid({ field: 'delay', message: `delay is a whole number of seconds from 0 to ${LIMITS.delayMax}` }, 'retry');
      }
    }
    const task = await retryTask(ctx, projectOf(request).id, request.params.task_id, delay, requestTrace(request));
    return { msg: 'Queued up', tasks: [ironTask(task)] };
  });
}
