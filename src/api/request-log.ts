/**
 * What Fastify's request log line shows of a request: method, route path and query with any token
 * censored (IronWorker clients send the token as `?oauth=`), and the caller's address. Never headers
 * or bodies: those carry tokens, payloads and configs.
 *
 *   Fastify({ childLoggerFactory: redactingChildLogger })
 */
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import { isSecretKey } from '../core/secrets.ts';

/** The URL with the value of every secret-looking query parameter (`oauth`, `token`, ...) censored. */
export function redactUrl(url: string): string {
  const question = url.indexOf('?');
  if (question === -1) return url;
  const params = new URLSearchParams(url.slice(question + 1));
  let changed = false;
  for (const key of new Set(params.keys())) {
    if (key === 'oauth' || isSecretKey(key)) {
      params.set(key, '[redacted]');
      changed = true;
    }
  }
  return changed ? `${url.slice(0, question)}?${params.toString()}` : url;
}

export function serializeRequest(request: FastifyRequest): { method: string; url: string; remoteAddress?: string } {
  return { method: request.method, url: redactUrl(request.url), ...(request.ip ? { remoteAddress: request.ip } : {}) };
}

/** Fastify's childLoggerFactory with the request serializer above in place of Fastify's own. */
export const redactingChildLogger: FastifyInstance['childLoggerFactory'] = (logger: FastifyBaseLogger, bindings, options) => {
  const serializers = { ...options.serializers, req: serializeRequest };
  return logger.child(bindings, { ...options, serializers });
};
