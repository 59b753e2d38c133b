/**
 * Native code package routes under /v1/codes. An upload is multipart/form-data with a `data` field
 * (JSON: name, stack or image, command, env_vars, limits...) and an optional `file` field (the archive).
 */
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DhError } from '../../core/errors.ts';
import { CodeUploadSchema, type CodeUpload } from '../../core/schemas/code-upload.ts';
import { checkCodeUpload, codeRevision, deleteCode, downloadCode, getCode, storeArchive, uploadCode, type StoredArchive } from '../../service/codes.ts';
import { codeQueueState, pauseCodeQueue, resumeCodeQueue } from '../../service/code-queue.ts';
import type { AppContext } from '../../service/context.ts';
import { projectOf } from '../auth.ts';
import { streamUpload, wantsProgress } from '../upload-progress.ts';
import { zodToDhError } from '../errors.ts';
import { presentCode, presentCodes } from '../present.ts';

export async function readCodeUpload(ctx: AppContext, request: FastifyRequest, parseData: (raw: unknown) => CodeUpload = parseCodeUpload): Promise<{ meta: CodeUpload; stored?: StoredArchive }> {
  if (!request.isMultipart()) {
    throw new DhError('DH_ERR_VALIDATION', 'A code upload is multipart/form-data with a "data" field (JSON) and a "file" field (the archive).');
  }
  let meta: CodeUpload | undefined;
  let stored: StoredArchive | undefined;
  // Once the upload is refused, the rest is only read (up to a bound, then cut off): a client still
  // sending its archive cannot read an answer sent before it finishes, and would see a broken pipe.
  let refused: { error: unknown } | undefined;
  let drained = 0;
  for await (const part of request.parts()) {
    if (refused !== undefined) {
      if (part.type === 'file') drained += await drain(part.file, DRAIN_LIMIT_BYTES - drained);
      if (drained >= DRAIN_LIMIT_BYTES) break;
      continue;
    }
    try {
      if (part.type === 'file') stored = await readArchivePart(ctx, part.fieldname, part.file);
      else if (part.fieldname === 'data') {
        // busboy cuts a field at its size limit without failing; a cut description is too large, not malformed.
        if (part.valueTruncated) {
          throw new DhError('DH_ERR_PAYLOAD_TOO_LARGE', 'The "data" field is larger than uploads accept: keep config under DOCKHAND_CONFIG_MAX_BYTES and env_vars small.', { field: 'data' });
        }
        // Checked as soon as it arrives: sent before the file (as the SDK and CLI do), a bad description
        // is refused before the archive is read or stored.
        meta = parseData(decodeDataField(part.value));
        checkCodeUpload(ctx, meta);
      }
    } catch (err) {
      if (err instanceof DhError && (err.code === 'DH_ERR_ARCHIVE_TOO_LARGE' || err.code === 'DH_ERR_PAYLOAD_TOO_LARGE')) throw err;
      refused = { error: err };
      if (part.type === 'file') drained += await drain(part.file, DRAIN_LIMIT_BYTES);
    }
  }
  if (refused !== undefined) throw refused.error;
  if (meta === undefined) throw new DhError('DH_ERR_VALIDATION', 'The upload has no "data" field: send the package description as JSON in a field named "data".');
  return stored ? { meta, stored } : { meta };
}

/** Validates and stores the archive part as it streams, so nothing unchecked is ever stored. */
async function readArchivePart(ctx: AppContext, fieldname: string, file: NodeJS.ReadableStream & { truncated?: boolean }): Promise<StoredArchive> {
  if (fieldname !== 'file') throw new DhError('DH_ERR_VALIDATION', `Unexpected file field "${fieldname}": send the archive as "file".`);
  const tooLarge = (): DhError =>
    new DhError('DH_ERR_ARCHIVE_TOO_LARGE', `The archive is larger than the upload limit of ${ctx.settings.DOCKHAND_ARCHIVE_MAX_BYTES} bytes (DOCKHAND_ARCHIVE_MAX_BYTES); leave dependencies and build output out of it.`, { cap: 'DOCKHAND_ARCHIVE_MAX_BYTES', limit: ctx.settings.DOCKHAND_ARCHIVE_MAX_BYTES });
  let stored: StoredArchive;
  try {
    stored = await storeArchive(ctx, { stream: file as unknown as Readable, format: 'auto' });
  } catch (err) {
    // A file cut at the multipart size limit ends early and reads as a corrupt archive: it is too large.
    throw file.truncated ? tooLarge() : err;
  }
  if (file.truncated) throw tooLarge();
  return stored;
}

/** How much of a refused upload is still read so its sender sees the answer; larger ones are cut off. */
const DRAIN_LIMIT_BYTES = 16 * 1024 * 1024;

/** Reads and discards up to `limitBytes` of a part; returns how much it read. */
async function drain(file: NodeJS.ReadableStream, limitBytes: number): Promise<number> {
  let seen = 0;
  try {
    for await (const chunk of file) {
      seen += (chunk as Buffer).length;
      if (seen >= limitBytes) break;
    }
  } catch {
    // A broken upload ends here; the caller answers with the original refusal.
  }
  return seen;
}

/** A part sent as application/json arrives already parsed; a plain text field arrives as a string. */
function decodeDataField(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch (err) {
    throw new DhError('DH_ERR_BAD_JSON', `The "data" field is not valid JSON: ${(err as Error).message}.`);
  }
}

export function parseCodeUpload(raw: unknown): CodeUpload {
  const parsed = CodeUploadSchema.safeParse(raw);
  if (!parsed.success) throw zodToDhError(parsed.error, 'code package');
  return parsed.data;
}

export function registerCodeRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post('/v1/codes', async (request, reply) => {
    const project = projectOf(request);
    const { meta, stored } = await readCodeUpload(ctx, request);
    // A build at upload can take minutes: a client that asks sees its log as it runs.
    if (wantsProgress(request)) return streamUpload(reply, (onBuildLog) => uploadCode(ctx, project.id, meta, stored, { onBuildLog }), presentCode);
    const revision = await uploadCode(ctx, project.id, meta, stored);
    return reply.status(201).send(presentCode(revision));
  });

  app.get('/v1/codes', async (request) => ({ codes: presentCodes(await ctx.codes.list(projectOf(request).id)) }));

  app.get<{ Params: { name: string } }>('/v1/codes/:name', async (request) => {
    return presentCode(await getCode(ctx, projectOf(request).id, request.params.name));
  });

  app.get<{ Params: { name: string } }>('/v1/codes/:name/revisions', async (request) => {
    const project = projectOf(request);
    const code = await getCode(ctx, project.id, request.params.name);
    return { revisions: presentCodes(await ctx.codes.revisions(project.id, code.name)) };
  });

  app.get<{ Params: { name: string }; Querystring: { revision?: string } }>('/v1/codes/:name/download', async (request, reply) => {
    const project = projectOf(request);
    const rev = request.query.revision !== undefined ? Number(request.query.revision) : undefined;
    if (rev !== undefined && (!Number.isInteger(rev) || rev < 1)) throw new DhError('DH_ERR_VALIDATION', 'revision must be a positive integer.');
    const { revision, stream } = await downloadCode(ctx, project.id, request.params.name, rev);
    return reply
      .header('content-type', 'application/gzip')
      .header('content-disposition', `attachment; filename="${revision.name}-r${revision.rev}.tar.gz"`)
      .send(stream);
  });

  app.delete<{ Params: { name: string } }>('/v1/codes/:name', async (request) => {
    const project = projectOf(request);
    await deleteCode(ctx, project.id, request.params.name);
    return { deleted: request.params.name };
  });

  // Pause and resume the package's queue (IronWorker's pause_task_queue / resume_task_queue).
  app.post<{ Params: { name: string } }>('/v1/codes/:name/pause', async (request) => pauseCodeQueue(ctx, projectOf(request).id, request.params.name));
  app.post<{ Params: { name: string } }>('/v1/codes/:name/resume', async (request) => resumeCodeQueue(ctx, projectOf(request).id, request.params.name));
  app.get<{ Params: { name: string } }>('/v1/codes/:name/queue', async (request) => codeQueueState(ctx, projectOf(request).id, request.params.name));

  app.get<{ Params: { name: string; rev: string } }>('/v1/codes/:name/revisions/:rev', async (request) => {
    const rev = Number(request.params.rev);
    if (!Number.isSafeInteger(rev) || rev < 1) throw new DhError('DH_ERR_VALIDATION', 'A revision is a positive whole number.', [{ path: 'rev', message: 'expected a positive integer' }]);
    return presentCode(await codeRevision(ctx, projectOf(request).id, request.params.name, rev));
  });
}
