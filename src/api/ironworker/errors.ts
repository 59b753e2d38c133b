/**
 * Errors of the IronWorker API in IronWorker's shape, `{"msg": "..."}`, with the status of the
 * Dockhand error code (which is added as `code`, for scripts; IronWorker clients read only `msg`).
 *
 *   throw ironInvalid({ field: 'tasks.0.priority', message: 'priority must be 0, 1 or 2' });
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DhError } from '../../core/errors.ts';
import { toDhError } from '../errors.ts';

export function sendIronError(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const dhError = toDhError(err);
  if (dhError.code === 'DH_ERR_INTERNAL') request.log.error({ err }, 'request failed');
  return reply.status(dhError.status).send({ msg: dhError.message, code: dhError.code });
}

/** A field that failed IronWorker's (and so Dockhand's) rules, as a 400 naming the field. */
export function ironInvalid(issue: { field: string; message: string }, what = 'request'): DhError {
  return new DhError('DH_ERR_VALIDATION', `Invalid ${what}: field "${issue.field}": ${issue.message}.`, { field: issue.field });
}
