/**
 * Routes that need no project: health, the stack catalogue and the Prometheus metrics.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../service/context.ts';

export function registerSystemRoutes(app: FastifyInstance, ctx: AppContext, health: () => Promise<void>): void {
  app.get('/health', async (_request, reply) => {
    try {
      await ctx.redis.ping();
      await health();
      return { status: 'ok' };
    } catch (err) {
      return reply.status(503).send({ status: 'unavailable', error: (err as Error).message });
    }
  });

  app.get('/metrics', async (_request, reply) => reply.header('content-type', ctx.metrics.contentType).send(await ctx.metrics.render()));

  app.get('/v1/stacks', async () => ({
    stacks: ctx.catalog.list().map((s) => ({ name: s.name, language: s.language, base: s.base, run: s.run, entry: s.entry })),
  }));
}
