/**
 * The fleet's worker nodes under /v1/nodes: every node on record with its state (running, draining,
 * lost), clusters, labels, load and what it runs. Any project's token may read them.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../service/context.ts';
import { getNode, listNodes } from '../../service/nodes.ts';

export function registerNodeRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/v1/nodes', async () => ({ nodes: await listNodes(ctx) }));
  app.get<{ Params: { id: string } }>('/v1/nodes/:id', async (request) => getNode(ctx, request.params.id));
}
