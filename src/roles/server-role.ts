/**
 * Starts the server role: the HTTP API listening on DOCKHAND_HOST:DOCKHAND_PORT.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../api/app.ts';
import type { AppContext } from '../service/context.ts';

export async function startServerRole(ctx: AppContext, options: { health?: () => Promise<void> } = {}): Promise<{ app: FastifyInstance; url: string }> {
  const app = await buildApp(ctx, options.health ? { health: options.health } : {});
  await app.listen({ port: ctx.settings.DOCKHAND_PORT, host: ctx.settings.DOCKHAND_HOST });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : ctx.settings.DOCKHAND_PORT;
  const url = `http://127.0.0.1:${port}`;
  ctx.logger.info({ url }, 'API listening');
  return { app, url };
}
