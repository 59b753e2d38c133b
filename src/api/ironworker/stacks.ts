/**
 * `GET /2/stacks`: the names of the stacks this installation defines, as IronWorker's list of stacks
 * (a plain JSON array). Public, like `/v1/stacks`.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../service/context.ts';

export function registerIronStackRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/stacks', async () => ctx.catalog.names());
}
