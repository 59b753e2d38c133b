/**
 * Routes that need no project: health and the stack catalogue.
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

  app.get('/v1/stacks', async () => ({
    stacks: ctx.catalog.list().map((s) => ({ name: s.name, language: s.language, base: s.base, run: s.run, entry: s.entry })),
  }));
}
