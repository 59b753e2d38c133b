/**
 * Turns anything thrown by a route into the native error shape `{"error": {code, message, details?}}`
 * with its status. Unknown errors are logged with their stack and answered without one.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { DhError, isDhError } from '../core/errors.ts';

export function toDhError(err: unknown): DhError {
  if (isDhError(err)) return err;
  if (err instanceof ZodError) return zodToDhError(err);
  const fastifyError = err as Partial<FastifyError>;
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || fastifyError.statusCode === 413) {
    return new DhError('DH_ERR_PAYLOAD_TOO_LARGE', 'The request body is larger than this route accepts.');
  }
  if (fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return new DhError('DH_ERR_VALIDATION', `Unsupported content type: send application/json${''} (or multipart/form-data for code uploads).`);
  }
  if (fastifyError.statusCode === 400 && /JSON/i.test(fastifyError.message ?? '')) {
    return new DhError('DH_ERR_BAD_JSON', `The request body is not valid JSON: ${fastifyError.message}.`);
  }
  if (fastifyError.statusCode === 400 || fastifyError.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return new DhError('DH_ERR_VALIDATION', fastifyError.message ?? 'Bad request.');
  }
  return new DhError('DH_ERR_INTERNAL', 'Something failed inside Dockhand; the server log has the details.');
}

export function zodToDhError(err: ZodError, what = 'request'): DhError {
  const details = err.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  const first = details[0];
  const where = first?.path ? `field "${first.path}"` : `the ${what}`;
  return new DhError('DH_ERR_VALIDATION', `Invalid ${what}: ${where}: ${first?.message ?? 'invalid'}.`, details);
}

export function sendNativeError(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const dhError = toDhError(err);
  if (dhError.code === 'DH_ERR_INTERNAL') request.log.error({ err }, 'request failed');
  return reply.status(dhError.status).send({ error: dhError.toJSON() });
}
