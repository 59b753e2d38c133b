/**
 * `GET /v1/overview?minutes=60`: the project's tasks per minute by outcome, queue depth and waits over
 * the last `minutes` (1 to 1440), what the dashboard's Overview charts; any script may read it too.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../service/context.ts';
import { projectOverview } from '../../service/overview.ts';
import { projectOf } from '../auth.ts';
import { zodToDhError } from '../errors.ts';

export const OverviewQuerySchema = z.object({
  minutes: z.coerce.number().int().min(1).max(1440).default(60),
});

export function registerOverviewRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/v1/overview', async (request) => {
    const parsed = OverviewQuerySchema.safeParse(request.query ?? {});
    if (!parsed.success) throw zodToDhError(parsed.error, 'overview query');
    return projectOverview(ctx, projectOf(request).id, parsed.data.minutes);
  });
}
