/**
 * The HTTP API (Fastify): native routes under /v1, IronWorker's under /2, health and metrics.
 * `buildApp` returns the instance without listening, so tests drive it with `inject()`.
 */
import multipart from '@fastify/multipart';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { LIMITS } from '../core/limits.ts';
import type { AppContext } from '../service/context.ts';
import { authenticate } from './auth.ts';
import { sendNativeError } from './errors.ts';
import { registerIronWorkerApi } from './ironworker/index.ts';
import { registerCodeRoutes } from './routes/codes.ts';
import { registerScheduleRoutes } from './routes/schedules.ts';
import { registerSystemRoutes } from './routes/system.ts';
import { registerTaskRoutes } from './routes/tasks.ts';

export interface AppOptions {
  /** Extra readiness check for /health (a worker in the same process checks Docker). */
  health?: () => Promise<void>;
  logger?: boolean;
}

const PUBLIC_ROUTES = new Set(['/health', '/v1/stacks', '/metrics', '/v1/openapi.json', '/2/stacks']);

export async function buildApp(ctx: AppContext, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger === false ? {} : { loggerInstance: ctx.logger }),
    bodyLimit: 1024 * 1024,
    // One line per request is noise at fleet scale; failures are logged where they are handled.
    logController: new LogController({ disableRequestLogging: true }),
  }) as unknown as FastifyInstance;
  await app.register(multipart, {
    limits: { fileSize: LIMITS.archiveMaxUploadBytes, files: 1, fields: 4, fieldSize: LIMITS.configMaxBytes * 2 + 65_536 },
  });
  app.setErrorHandler((err, request, reply) => sendNativeError(err, request, reply));
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: { code: 'DH_ERR_NOT_FOUND', message: `No route ${request.method} ${request.url.split('?')[0]}.` } }),
  );
  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?')[0] ?? '';
    if (PUBLIC_ROUTES.has(path)) return;
    if (path.startsWith('/v1/') || path.startsWith('/2/')) await authenticate(request, ctx.projects);
  });
  registerSystemRoutes(app, ctx, options.health ?? (async () => {}));
  registerCodeRoutes(app, ctx);
  registerTaskRoutes(app, ctx);
  registerScheduleRoutes(app, ctx);
  await registerIronWorkerApi(app, ctx);
  return app;
}
