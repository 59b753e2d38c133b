/**
 * `GET /2/projects/{id}`: the project of the token, as `{id, name}`. IronWorker's Go CLI asks for it
 * before every command; another project's id is a 404 (checked for every project path in index.ts).
 */
import type { FastifyInstance } from 'fastify';
import { projectOf } from '../auth.ts';

export function registerIronProjectRoutes(app: FastifyInstance): void {
  app.get('/projects/:project_id', async (request) => {
    const project = projectOf(request);
    return { id: project.id, name: project.name };
  });
}
