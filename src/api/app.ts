/**
 * The HTTP API (Fastify): native routes under /v1, IronWorker's under /2, health and metrics.
 * `buildApp` returns the instance without listening, so tests drive it with `inject()`.
 *
 * Every request meets, in order: the route's body limit (explicit, from the payload and config caps),
 * authentication (the project from its token; the admin token for admin routes), the per-token rate
 * limit, then the route. Every error leaves as `{"error": {code, message, details?}}`. The dashboard's
 * files are served under /ui (ui/ in the repository); it reads everything through /v1 like any client.
 */
import multipart from '@fastify/multipart';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { AppContext } from '../service/context.ts';
import { RedisRateCounter } from '../store/redis/redis-rate-counter.ts';
import { authenticate, authenticateAdmin, authenticateNode, refuseWritesOfReadOnlyToken } from './auth.ts';
import { bodyLimits } from './body-limits.ts';
import { sendNativeError } from './errors.ts';
import { registerHttpTracing } from './http-tracing.ts';
import { registerIronWorkerApi } from './ironworker/index.ts';
import { collectRoutes, openApiDocument } from './openapi.ts';
import { rateLimitHook } from './rate-limit.ts';
import { redactingChildLogger } from './request-log.ts';
import { registerCodeRoutes } from './routes/codes.ts';
import { ADMIN_ROUTES, registerProjectRoutes } from './routes/projects.ts';
import { NODE_ROUTES, registerArchiveRoutes } from './routes/archives.ts';
import { nodeToken } from '../store/redis/node-token.ts';
import { registerScheduleRoutes } from './routes/schedules.ts';
import { registerNodeRoutes } from './routes/nodes.ts';
import { registerOverviewRoutes } from './routes/overview.ts';
import { registerSystemRoutes } from './routes/system.ts';
import { registerTaskRoutes } from './routes/tasks.ts';
import { registerTraceRoutes } from './routes/traces.ts';
import { PACKAGE_VERSION } from '../sdk/version.ts';
import { READING_POST_ROUTES, TOKENLESS_ROUTES, registerTokenRoutes } from './routes/tokens.ts';
import { registerDashboard } from './ui/dashboard.ts';

export interface AppOptions {
  /** Extra readiness check for /health (a worker in the same process checks Docker). */
  health?: () => Promise<void>;
  logger?: boolean;
}

const PUBLIC_ROUTES = new Set(['/health', '/v1/stacks', '/metrics', '/v1/openapi.json', '/2/stacks']);

export async function buildApp(ctx: AppContext, options: AppOptions = {}): Promise<FastifyInstance> {
  const limits = bodyLimits(ctx.settings);
  const app = Fastify({
    ...(options.logger === false ? {} : { loggerInstance: ctx.logger }),
    bodyLimit: limits.json,
    // One line per request is noise at fleet scale; failures are logged where they are handled.
    logController: new LogController({ disableRequestLogging: true }),
    // Whatever does log a request never shows a token passed as ?oauth=, nor headers or bodies.
    childLoggerFactory: redactingChildLogger,
    // Malformed URLs (bad percent-encoding) get the native error shape too.
    frameworkErrors: (err, request, reply) => void sendNativeError(err, request, reply),
  }) as unknown as FastifyInstance;
  await app.register(multipart, {
    // One byte over the cap, so the archive reader's own byte count (which names the cap) is what stops an oversized upload.
    limits: { fileSize: limits.archive + 1, files: 1, fields: 4, parts: 6, fieldSize: limits.uploadField },
  });
  app.setErrorHandler((err, request, reply) => sendNativeError(err, request, reply));
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: { code: 'DH_ERR_NOT_FOUND', message: `No route ${request.method} ${request.url.split('?')[0]}.` } }),
  );
  // Before authentication, so a traced request's span covers all of it.
  registerHttpTracing(app, ctx.telemetry);
  // Authentication goes by the matched route, not the raw URL, so no spelling of a path skips it.
  app.addHook('onRequest', async (request) => {
    const route = request.routeOptions.url;
    if (route === undefined || PUBLIC_ROUTES.has(route) || TOKENLESS_ROUTES.has(route)) return;
    if (ADMIN_ROUTES.has(route)) await authenticateAdmin(request, ctx.settings.DOCKHAND_ADMIN_TOKEN, ctx.projects);
    else if (NODE_ROUTES.has(route)) await authenticateNode(request, await nodeToken(ctx.redis, ctx.keys), ctx.projects);
    else if (route.startsWith('/v1/') || route.startsWith('/2/')) {
      await authenticate(request, ctx.projects);
      refuseWritesOfReadOnlyToken(request, route, READING_POST_ROUTES);
    }
  });
  app.addHook(
    'onRequest',
    rateLimitHook(new RedisRateCounter(ctx.redis, ctx.keys), { limit: ctx.settings.DOCKHAND_RATE_LIMIT, windowSeconds: ctx.settings.DOCKHAND_RATE_WINDOW_SECONDS }),
  );
  const routes = collectRoutes(app);
  registerSystemRoutes(app, ctx, options.health ?? (async () => {}));
  registerCodeRoutes(app, ctx);
  registerTaskRoutes(app, ctx);
  registerTraceRoutes(app, ctx);
  registerProjectRoutes(app, ctx);
  registerScheduleRoutes(app, ctx);
  registerNodeRoutes(app, ctx);
  registerArchiveRoutes(app, ctx);
  registerTokenRoutes(app, ctx);
  registerOverviewRoutes(app, ctx);
  await registerIronWorkerApi(app, ctx);
  await registerDashboard(app);
  app.get('/v1/openapi.json', async (request) => openApiDocument(routes, PACKAGE_VERSION, `${request.protocol}://${request.host}`));
  return app;
}
