/**
 * IronWorker code package routes under `/2/projects/{project_id}/codes`: upload (multipart `data` JSON
 * and a zip `file`), list, show, delete, revisions, download (a zip), stats, pausing and resuming the
 * task queue, and cancelling every open task of a package. `{code_id}` is the package's id; its name
 * works too.
 */
import type { FastifyInstance } from 'fastify';
import type { CodeRevision } from '../../core/model.ts';
import type { CodeUpload } from '../../core/schemas/code-upload.ts';
import { ironCodeUpload, type IronCodeOrigin } from '../../core/schemas/ironworker-code.ts';
import { epochOrDateMs, ironPaging } from '../../core/schemas/ironworker-task.ts';
import { pauseCodeQueue, resumeCodeQueue } from '../../service/code-queue.ts';
import { codeTaskCounts, deleteCode, downloadCode, getCode, uploadCode, type StoredArchive } from '../../service/codes.ts';
import type { AppContext } from '../../service/context.ts';
import { cancelCodeTasks } from '../../service/tasks.ts';
import { projectOf } from '../auth.ts';
import { readCodeUpload } from '../routes/codes.ts';
import { ironCode, ironRevision } from './code-shape.ts';
import { ironInvalid } from './errors.ts';

type CodeParams = { Params: { project_id: string; code_id: string } };

/** IronWorker's stats count the tasks of the last day unless a window is given. */
const STATS_DEFAULT_WINDOW_MS = 24 * 3600 * 1000;

export function registerIronCodeRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post('/projects/:project_id/codes', async (request) => {
    const project = projectOf(request);
    let origin: IronCodeOrigin | undefined;
    const upload = await readCodeUpload(ctx, request, (raw) => {
      const parsed = ironCodeUpload(raw);
      if (!parsed.ok) throw ironInvalid(parsed, 'code package');
      origin = parsed.origin;
      return parsed.upload;
    });
    let { meta, stored } = upload;
    if (!stored && !meta.image) {
      // IronWorker let an upload without a file change a package's options and keep its code.
      ({ meta, stored, origin } = await keepPreviousCode(ctx, project.id, meta, origin));
    }
    const revision = await uploadCode(ctx, project.id, meta, stored, origin ? { origin } : {});
    return { id: revision.id, rev: revision.rev, msg: 'Upload successful.' };
  });

  app.get('/projects/:project_id/codes', async (request) => {
    const project = projectOf(request);
    const paging = ironPaging(request.query as Record<string, unknown>);
    if (!paging.ok) throw ironInvalid(paging, 'query');
    const page = (await ctx.codes.list(project.id)).slice(paging.value.offset, paging.value.offset + paging.value.perPage);
    const codes = [];
    for (const code of page) codes.push(ironCode(code, await ctx.codes.revision(project.id, code.name, 1)));
    return { codes };
  });

  app.get<CodeParams>('/projects/:project_id/codes/:code_id', async (request) => {
    const project = projectOf(request);
    const code = await getCode(ctx, project.id, request.params.code_id);
    return ironCode(code, await ctx.codes.revision(project.id, code.name, 1));
  });

  app.delete<CodeParams>('/projects/:project_id/codes/:code_id', async (request) => {
    await deleteCode(ctx, projectOf(request).id, request.params.code_id);
    return { msg: 'Deleted' };
  });

  app.get<CodeParams>('/projects/:project_id/codes/:code_id/revisions', async (request) => {
    const project = projectOf(request);
    const paging = ironPaging(request.query as Record<string, unknown>);
    if (!paging.ok) throw ironInvalid(paging, 'query');
    const code = await getCode(ctx, project.id, request.params.code_id);
    const revisions = await ctx.codes.revisions(project.id, code.name);
    return { revisions: revisions.slice(paging.value.offset, paging.value.offset + paging.value.perPage).map(ironRevision) };
  });

  app.get<CodeParams & { Querystring: { revision?: string } }>('/projects/:project_id/codes/:code_id/download', async (request, reply) => {
    const project = projectOf(request);
    const asked = request.query.revision;
    const rev = asked !== undefined && asked !== '' ? Number(asked) : undefined;
    if (rev !== undefined && (!Number.isInteger(rev) || rev < 1)) throw ironInvalid({ field: 'revision', message: 'revision is a positive whole number' }, 'query');
    const { revision, stream } = await downloadCode(ctx, project.id, request.params.code_id, rev, 'zip');
    return reply
      .header('content-type', 'application/zip')
      .header('content-disposition', `attachment; filename="${revision.name}_${revision.rev}.zip"`)
      .send(stream);
  });

  app.get<CodeParams & { Querystring: { start_date?: string; end_date?: string } }>('/projects/:project_id/codes/:code_id/stats', async (request) => {
    const { start_date: start, end_date: end } = request.query;
    const from = start !== undefined && start !== '' ? epochOrDateMs(start) : undefined;
    const to = end !== undefined && end !== '' ? epochOrDateMs(end) : undefined;
    if (from === undefined && start) throw ironInvalid({ field: 'start_date', message: 'start_date is seconds since the Unix epoch' }, 'query');
    if (to === undefined && end) throw ironInvalid({ field: 'end_date', message: 'end_date is seconds since the Unix epoch' }, 'query');
    const window = from === undefined && to === undefined ? { from: Date.now() - STATS_DEFAULT_WINDOW_MS } : { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
    return codeTaskCounts(ctx, projectOf(request).id, request.params.code_id, window);
  });

  app.post<CodeParams>('/projects/:project_id/codes/:code_id/pause_task_queue', async (request) => {
    const state = await pauseCodeQueue(ctx, projectOf(request).id, request.params.code_id);
    return { msg: 'Paused', waiting: state.waiting };
  });

  app.post<CodeParams>('/projects/:project_id/codes/:code_id/resume_task_queue', async (request) => {
    const state = await resumeCodeQueue(ctx, projectOf(request).id, request.params.code_id);
    return { msg: 'Resumed', waiting: state.waiting };
  });

  app.post<CodeParams>('/projects/:project_id/codes/:code_id/cancel_all', async (request) => {
    const project = projectOf(request);
    const code = await getCode(ctx, project.id, request.params.code_id);
    const cancelled = await cancelCodeTasks(ctx, project.id, code.name);
    return { msg: 'Cancelled', cancelled_count: cancelled };
  });
}

/**
 * An upload without a file keeps the code of the current revision: its archive, and how it starts
 * unless the upload says otherwise. A package with no revision yet still needs its code.
 */
async function keepPreviousCode(ctx: AppContext, projectId: string, meta: CodeUpload, origin: IronCodeOrigin | undefined): Promise<{ meta: CodeUpload; stored?: StoredArchive; origin?: IronCodeOrigin }> {
  const previous: CodeRevision | undefined = await ctx.codes.current(projectId, meta.name);
  // A package built at upload keeps its source, and the new revision is built from it again.
  const source = previous?.build?.source_sha256 ?? previous?.archive_sha256;
  if (!previous || !source) return origin ? { meta, origin } : { meta };
  const stored: StoredArchive = previous.build
    ? { sha256: source, size: 0, fileCount: 0 }
    : { sha256: source, size: previous.archive_size ?? 0, fileCount: previous.file_count ?? 0 };
  const startsAnew = meta.command !== undefined || origin !== undefined;
  const kept: CodeUpload = startsAnew ? meta : {
    ...meta,
    ...(previous.command !== undefined ? { command: previous.command } : {}),
    ...(meta.stack === undefined && previous.stack !== undefined ? { stack: previous.stack } : {}),
  };
  const keptOrigin = origin ?? (!startsAnew && previous.runtime !== undefined && previous.file_name !== undefined ? { runtime: previous.runtime, file_name: previous.file_name } : undefined);
  return keptOrigin ? { meta: kept, stored, origin: keptOrigin } : { meta: kept, stored };
}
