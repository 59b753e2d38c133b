/**
 * Server spans for the routes that start a task's trace (queueing, retrying): a route opts in with
 * `config: { trace: true }`. The span continues the caller's `traceparent` header (the SDK and CLI
 * send one), follows the HTTP semantic conventions, and its context is what the route hands to the
 * task service, so the enqueue becomes its child. Other routes are not traced: polling a task must
 * not start a trace per request.
 *
 *   app.post('/v1/tasks', { config: { trace: true } }, async (request) => queueTask(ctx, p, body, { trace: requestTrace(request) }));
 */
import { SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ATTR } from '../telemetry/attributes.ts';
import type { Telemetry } from '../telemetry/telemetry.ts';
import { carrierOf, spanContextOf, type TraceCarrier } from '../telemetry/trace-context.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Record a server span for this route and continue the caller's trace. */
    trace?: boolean;
  }
}

const spans = new WeakMap<FastifyRequest, Span>();

/** Register before authentication, so the span covers the whole request. */
export function registerHttpTracing(app: FastifyInstance, telemetry: Telemetry): void {
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config?.trace !== true) return;
    try {
      const route = request.routeOptions.url ?? request.url.split('?')[0] ?? '';
      const [host, port] = (request.headers.host ?? '').split(':');
      const span = telemetry.startSpan(`${request.method} ${route}`, {
        kind: SpanKind.SERVER,
        parent: spanContextOf(request.headers), // it reads only traceparent and tracestate
        attributes: {
          [ATTR.httpMethod]: request.method,
          [ATTR.httpRoute]: route,
          [ATTR.urlPath]: request.url.split('?')[0] ?? '',
          [ATTR.urlScheme]: request.protocol,
          ...(host ? { [ATTR.serverAddress]: host } : {}),
          ...(port ? { [ATTR.serverPort]: Number(port) } : {}),
          [ATTR.clientAddress]: request.ip,
          ...(typeof request.headers['user-agent'] === 'string' ? { [ATTR.userAgent]: request.headers['user-agent'] } : {}),
        },
      });
      spans.set(request, span);
    } catch {
      // a request is never refused because its span could not start
    }
  });

  app.addHook('onError', async (request, _reply, error) => {
    const span = spans.get(request);
    if (!span) return;
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    span.setAttribute(ATTR.errorType, (error as { code?: string }).code ?? error.name);
  });

  app.addHook('onResponse', async (request, reply) => {
    const span = spans.get(request);
    if (!span) return;
    spans.delete(request);
    span.setAttribute(ATTR.httpStatus, reply.statusCode);
    if (request.project) span.setAttribute(ATTR.projectId, request.project.id);
    if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end(telemetry.now());
  });
}

/** The W3C context of this request's server span, for the task service; undefined when not traced. */
export function requestTrace(request: FastifyRequest): TraceCarrier | undefined {
  const span = spans.get(request);
  return span ? carrierOf(span.spanContext()) : undefined;
}

/** Adds attributes to this request's server span (e.g. the id of the task it created). */
export function annotateRequest(request: FastifyRequest, attributes: Record<string, string | number>): void {
  spans.get(request)?.setAttributes(attributes);
}
