/**
 * Who is calling: the project comes from the token, never from a path parameter alone. Tokens arrive
 * as `Authorization: Bearer <t>`, `Authorization: OAuth <t>` (IronWorker clients) or `?oauth=<t>`.
 */
import type { FastifyRequest } from 'fastify';
import { DhError } from '../core/errors.ts';
import type { Project } from '../core/model.ts';
import type { ProjectStore } from '../store/ports.ts';

declare module 'fastify' {
  interface FastifyRequest {
    project?: Project;
  }
}

export function presentedToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header) {
    const match = /^(Bearer|OAuth|Token)\s+(\S+)\s*$/i.exec(header);
    return match?.[2];
  }
  const query = request.query as Record<string, unknown> | undefined;
  const oauth = query?.['oauth'];
  return typeof oauth === 'string' && oauth !== '' ? oauth : undefined;
}

export async function authenticate(request: FastifyRequest, projects: ProjectStore): Promise<Project> {
  const token = presentedToken(request);
  if (!token) {
    throw new DhError('DH_ERR_UNAUTHORIZED', 'No token given: send the header "Authorization: Bearer <token>" (the token is in credentials.json, or from `dockhand projects create`).');
  }
  const project = await projects.byToken(token);
  if (!project) throw new DhError('DH_ERR_UNAUTHORIZED', 'The token matches no project: check DOCKHAND_TOKEN or credentials.json.');
  request.project = project;
  return project;
}

export function projectOf(request: FastifyRequest): Project {
  if (!request.project) throw new DhError('DH_ERR_UNAUTHORIZED', 'This route needs a token.');
  return request.project;
}
