/**
 * The project and token a fresh installation starts with. On first start `up` creates the project
 * "default" and writes `<data dir>/credentials.json` ({url, project_id, token}, mode 0600); later
 * starts reuse it as long as its token still opens a project in this Redis.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AppContext } from '../service/context.ts';

export interface CredentialsFile {
  url: string;
  project_id: string;
  token: string;
}

export async function ensureDefaultProject(ctx: AppContext, dataDir: string, url: string): Promise<{ credentials: CredentialsFile; created: boolean; file: string }> {
  const file = path.join(dataDir, 'credentials.json');
  if (existsSync(file)) {
    try {
      const existing = JSON.parse(readFileSync(file, 'utf8')) as CredentialsFile;
      const project = existing.token ? await ctx.projects.byToken(existing.token) : undefined;
      if (project) {
        const credentials = { url, project_id: project.id, token: existing.token };
        writeCredentials(file, credentials);
        return { credentials, created: false, file };
      }
    } catch {
      // An unreadable file is replaced below with fresh credentials.
    }
  }
  const { project, token } = await ctx.projects.create('default');
  const credentials = { url, project_id: project.id, token };
  writeCredentials(file, credentials);
  return { credentials, created: true, file };
}

/**
 * A server given DOCKHAND_PROJECT_TOKEN (a Docker secret, from `deploy swarm`) makes sure that token
 * opens the project DOCKHAND_PROJECT_ID. Replicas starting together write the same fields, so the race
 * is harmless; a new token for the same id replaces the old one.
 */
export async function ensureConfiguredProject(ctx: AppContext): Promise<void> {
  const token = ctx.settings.DOCKHAND_PROJECT_TOKEN;
  if (!token) return;
  const project = await ctx.projects.byToken(token);
  if (project?.id === ctx.settings.DOCKHAND_PROJECT_ID) return;
  await ctx.projects.create('default', { id: ctx.settings.DOCKHAND_PROJECT_ID, token });
  ctx.logger.info({ project_id: ctx.settings.DOCKHAND_PROJECT_ID }, 'the configured project token opens its project');
}

export function writeCredentials(file: string, credentials: CredentialsFile): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}
