/**
 * `GET /v1/archives/:sha256`: a stored code archive, byte for byte as the code store holds it, for
 * worker nodes that do not share the server's code directory (docs/deploy.md). Only the node token
 * opens it (authenticated in the app's onRequest hook); the node checks the bytes against the hash.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../service/context.ts';
import { assertSha256 } from '../../store/code-store/port.ts';

export const NODE_ROUTES = new Set(['/v1/archives/:sha256']);

export function registerArchiveRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get<{ Params: { sha256: string } }>('/v1/archives/:sha256', async (request, reply) => {
    const { sha256 } = request.params;
    assertSha256(sha256);
    const stream = await ctx.codeStore.get(sha256);
    return reply.type('application/gzip').header('cache-control', 'public, max-age=31536000, immutable').send(stream);
  });
}
