/**
 * Trace routes: a task's trace as JSON (`GET /v1/tasks/{id}/trace`), and an OTLP/HTTP JSON receiver
 * (`POST /v1/traces`) where clients add the spans of their own calls to their tasks' traces; the
 * SDK sends the span of each `tasks.queue()` there, so a trace starts at the caller.
 */
import type { FastifyInstance } from 'fastify';
import { ZodError } from 'zod';
import type { AppContext } from '../../service/context.ts';
import { ingestClientSpans, taskTrace } from '../../service/traces.ts';
import { decodeOtlpTraces } from '../../telemetry/otlp-json.ts';
import { projectOf } from '../auth.ts';
import { zodToDhError } from '../errors.ts';

export function registerTraceRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get<{ Params: { id: string } }>('/v1/tasks/:id/trace', async (request) => taskTrace(ctx, projectOf(request).id, request.params.id));

  app.post('/v1/traces', { bodyLimit: 1024 * 1024 }, async (request) => {
    const project = projectOf(request);
    let spans;
    try {
      spans = decodeOtlpTraces(request.body);
    } catch (err) {
      if (err instanceof ZodError) throw zodToDhError(err, 'OTLP trace export');
      throw err;
    }
    const { rejected } = await ingestClientSpans(ctx, project.id, spans);
    // OTLP's ExportTraceServiceResponse: spans outside this project's tasks' traces are refused, not an error.
    return rejected > 0 ? { partialSuccess: { rejectedSpans: rejected, errorMessage: 'spans must belong to traces of this project\'s tasks' } } : {};
  });
}
