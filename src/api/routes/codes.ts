/**
 * Native code package routes under /v1/codes. An upload is multipart/form-data with a `data` field
 * (JSON: name, stack or image, command, env_vars, limits...) and an optional `file` field (the archive).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DhError } from '../../core/errors.ts';
import { CodeUploadSchema, type CodeUpload } from '../../core/schemas/code-upload.ts';
import { codeRevision, deleteCode, downloadCode, getCode, storeArchive, uploadCode, type StoredArchive } from '../../service/codes.ts';
import type { AppContext } from '../../service/context.ts';
import { projectOf } from '../auth.ts';
import { zodToDhError } from '../errors.ts';

export async function readCodeUpload(ctx: AppContext, request: FastifyRequest, parseData: (raw: unknown) => CodeUpload = parseCodeUpload): Promise<{ meta: CodeUpload; stored?: StoredArchive }> {
  if (!request.isMultipart()) {
    throw new DhError('DH_ERR_VALIDATION', 'A code upload is multipart/form-data with a "data" field (JSON) and a "file" field (the archive).');
  }
  let rawData: unknown;
  let stored: StoredArchive | undefined;
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      if (part.fieldname !== 'file') {
        part.file.resume();
        throw new DhError('DH_ERR_VALIDATION', `Unexpected file field "${part.fieldname}": send the archive as "file".`);
      }
      // The archive is checked as it streams, so nothing unchecked is ever stored.
      stored = await storeArchive(ctx, { stream: part.file, format: 'auto' });
      if (part.file.truncated) throw new DhError('DH_ERR_ARCHIVE_TOO_LARGE', 'The archive is larger than the upload limit.');
    } else if (part.fieldname === 'data') {
      // A part sent as application/json arrives already parsed; a plain text field arrives as a string.
      rawData = part.value;
    }
  }
  if (rawData === undefined) throw new DhError('DH_ERR_VALIDATION', 'The upload has no "data" field: send the package description as JSON in a field named "data".');
  let json: unknown = rawData;
  if (typeof rawData === 'string') {
    try {
      json = JSON.parse(rawData);
    } catch (err) {
      throw new DhError('DH_ERR_BAD_JSON', `The "data" field is not valid JSON: ${(err as Error).message}.`);
    }
  }
  return stored ? { meta: parseData(json), stored } : { meta: parseData(json) };
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
    const revision = await uploadCode(ctx, project.id, meta, stored);
    return reply.status(201).send(revision);
  });

  app.get('/v1/codes', async (request) => ({ codes: await ctx.codes.list(projectOf(request).id) }));

  app.get<{ Params: { name: string } }>('/v1/codes/:name', async (request) => {
    return getCode(ctx, projectOf(request).id, request.params.name);
  });

  app.get<{ Params: { name: string } }>('/v1/codes/:name/revisions', async (request) => {
    const project = projectOf(request);
    const code = await getCode(ctx, project.id, request.params.name);
    return { revisions: await ctx.codes.revisions(project.id, code.name) };
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

  app.get<{ Params: { name: string; rev: string } }>('/v1/codes/:name/revisions/:rev', async (request) => {
    return codeRevision(ctx, projectOf(request).id, request.params.name, Number(request.params.rev));
  });
}
