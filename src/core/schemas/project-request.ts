/**
 * What an admin sends to create a project (`POST /v1/projects`, `dockhand projects create NAME`).
 */
import { z } from 'zod';

export const PROJECT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;

export const projectNameSchema = z
  .string()
  .regex(PROJECT_NAME_PATTERN, 'a project name is 1-64 letters, digits, spaces, ".", "_" or "-", starting with a letter or digit');

export const ProjectRequestSchema = z.strictObject({ name: projectNameSchema });

export type ProjectRequest = z.infer<typeof ProjectRequestSchema>;
