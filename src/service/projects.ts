/**
 * Creating a project: a name, a fresh id and a token shown exactly once (only its hash is stored).
 * Shared by `POST /v1/projects` (admin token) and `dockhand projects create` run on the server machine.
 *
 *   const created = await createProject(ctx.projects, 'billing');   // { id, name, created_at, token }
 */
import type { Project } from '../core/model.ts';
import { projectNameSchema } from '../core/schemas/project-request.ts';
import { DhError } from '../core/errors.ts';
import type { ProjectStore } from '../store/ports.ts';

export interface CreatedProject extends Project {
  /** The project's token; it cannot be shown again. */
  token: string;
}

export async function createProject(projects: ProjectStore, name: string): Promise<CreatedProject> {
  const parsed = projectNameSchema.safeParse(name);
  if (!parsed.success) {
    throw new DhError('DH_ERR_VALIDATION', `Invalid project name "${name}": ${parsed.error.issues[0]?.message ?? 'not allowed'}.`, [{ path: 'name', message: parsed.error.issues[0]?.message }]);
  }
  const { project, token } = await projects.create(parsed.data);
  return { ...project, token };
}
