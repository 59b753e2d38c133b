/**
 * Admin routes: `POST /v1/projects` creates a project and answers its token once. Only the admin token
 * (DOCKHAND_ADMIN_TOKEN) opens it; authentication happens in the app's onRequest hook and again here.
 */
import type { FastifyInstance } from 'fastify';
import { ProjectRequestSchema } from '../../core/schemas/project-request.ts';
import type { AppContext } from '../../service/context.ts';
import { createProject } from '../../service/projects.ts';
import { authenticateAdmin } from '../auth.ts';
import { zodToDhError } from '../errors.ts';

export const ADMIN_ROUTES = new Set(['/v1/projects']);

export function registerProjectRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post('/v1/projects', async (request, reply) => {
    if (request.admin !== true) await authenticateAdmin(request, ctx.settings.DOCKHAND_ADMIN_TOKEN, ctx.projects);
    const parsed = ProjectRequestSchema.safeParse(request.body);
    if (!parsed.success) throw zodToDhError(parsed.error, 'project');
    return reply.status(201).send(await createProject(ctx.projects, parsed.data.name));
  });
}
