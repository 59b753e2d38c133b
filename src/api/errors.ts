/**
 * Turns anything thrown by a route, a hook or Fastify itself into the native error shape
 * `{"error": {code, message, details?}}` with its status. Nothing else ever reaches a client: unknown
 * errors are logged with their stack and answered with a sentence, and no answer carries a stack.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { DhError, isDhError } from '../core/errors.ts';

/** Errors of @fastify/multipart, by code: all limits of a multipart request. */
const MULTIPART_LIMITS: Record<string, string> = {
  FST_PARTS_LIMIT: 'The upload has too many parts: send one "data" field and one "file".',
  FST_FILES_LIMIT: 'The upload has more than one file: send the archive as the single "file" field.',
  FST_FIELDS_LIMIT: 'The upload has too many fields: send one "data" field and one "file".',
};

export function toDhError(err: unknown, request?: FastifyRequest): DhError {
  if (isDhError(err)) return err;
  if (err instanceof ZodError) return zodToDhError(err);
  const fastifyError = err as Partial<FastifyError>;
  const code = fastifyError.code ?? '';
  if (code === 'FST_REQ_FILE_TOO_LARGE') {
    return new DhError('DH_ERR_ARCHIVE_TOO_LARGE', 'The archive is larger than the upload limit (DOCKHAND_ARCHIVE_MAX_BYTES); leave build output and dependencies out of it, or ask the operator for a higher limit.');
  }
  if (MULTIPART_LIMITS[code] !== undefined) return new DhError('DH_ERR_PAYLOAD_TOO_LARGE', MULTIPART_LIMITS[code]);
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' || fastifyError.statusCode === 413) {
    const limit = request?.routeOptions.bodyLimit;
    return new DhError(
      'DH_ERR_PAYLOAD_TOO_LARGE',
      `The request body is larger than this route accepts${limit ? ` (${limit} bytes)` : ''}; payloads are capped by DOCKHAND_PAYLOAD_MAX_BYTES: store large inputs elsewhere and pass a reference.`,
      limit ? { limit } : undefined,
    );
  }
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') {
    return new DhError('DH_ERR_VALIDATION', 'Unsupported content type: send application/json (or multipart/form-data for code uploads).');
  }
  if (code === 'FST_ERR_BAD_URL' || code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return new DhError('DH_ERR_VALIDATION', 'The request path is malformed (bad percent-encoding or an overlong segment).');
  }
  if (code === 'FST_INVALID_JSON_FIELD_ERROR') {
    // The multipart reader reports a JSON part cut at its size bound the same way as a malformed one.
    return new DhError('DH_ERR_BAD_JSON', 'The "data" part is declared as application/json but does not parse (it is malformed, or longer than a code upload accepts).', { field: 'data' });
  }
  if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return new DhError('DH_ERR_BAD_JSON', 'The request body is empty but its content type is application/json: send a JSON object.');
  }
  if (code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (fastifyError.statusCode === 400 && (err instanceof SyntaxError || /JSON/i.test(fastifyError.message ?? '')))) {
    return new DhError('DH_ERR_BAD_JSON', `The request body is not valid JSON: ${fastifyError.message ?? 'it does not parse'}.`);
  }
  const full = storageFull(err);
  if (full) return full;
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new DhError('DH_ERR_VALIDATION', `Bad request: ${fastifyError.message ?? 'the request is malformed'}.`);
  }
  return new DhError('DH_ERR_INTERNAL', 'Something failed inside Dockhand; the server log has the details.');
}

/**
 * A full disk (ENOSPC, EDQUOT: the code store or the upload spool) or a Redis at its maxmemory that
 * refuses writes (an OOM reply under `noeviction`): the request stored nothing, and the client is told so.
 */
export function storageFull(err: unknown): DhError | undefined {
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new DhError('DH_ERR_STORAGE_FULL', 'The server\'s disk (code store or upload spool) is full; the upload was not stored. Free space on it, then upload again.', { errno: code });
  }
  if (typeof message === 'string' && message.startsWith('OOM ')) {
    return new DhError('DH_ERR_STORAGE_FULL', 'Redis is at its maxmemory and refuses writes; nothing was stored. Raise maxmemory or lower retention (docs/operations.md), then retry.', { redis: message });
  }
  return undefined;
}

export function zodToDhError(err: ZodError, what = 'request'): DhError {
  const details = err.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  const first = details[0];
  const where = first?.path ? `field "${first.path}"` : `the ${what}`;
  return new DhError('DH_ERR_VALIDATION', `Invalid ${what}: ${where}: ${first?.message ?? 'invalid'}.`, details);
}

export function sendNativeError(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const dhError = toDhError(err, request);
  // Logged without the request body: payloads and configs may hold secrets.
  if (dhError.code === 'DH_ERR_INTERNAL') request.log.error({ err, method: request.method, route: request.routeOptions.url }, 'request failed');
  // Refused before its body was read (an upload stopped at a cap): the rest of the body is still on the
  // wire, so this connection cannot carry another request. Say so, or a keep-alive client reuses it and
  // its next request meets a reset.
  if (!request.raw.complete) reply.header('connection', 'close');
  return reply.status(dhError.status).send({ error: dhError.toJSON() });
}
