/**
 * Where a client finds its server and token: explicit options, then DOCKHAND_URL / DOCKHAND_TOKEN /
 * DOCKHAND_PROJECT_ID, then `<DOCKHAND_DATA_DIR or .dockhand>/credentials.json` written by `dockhand up`.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface Credentials {
  url: string;
  token: string;
  projectId?: string;
}

export interface CredentialOptions {
  url?: string | undefined;
  token?: string | undefined;
  projectId?: string | undefined;
  dataDir?: string | undefined;
}

export function credentialsPath(dataDir?: string): string {
  return path.resolve(dataDir ?? process.env['DOCKHAND_DATA_DIR'] ?? '.dockhand', 'credentials.json');
}

export function resolveCredentials(options: CredentialOptions = {}): Credentials {
  const file = credentialsPath(options.dataDir);
  let stored: Partial<{ url: string; token: string; project_id: string }> = {};
  if (existsSync(file)) {
    try {
      stored = JSON.parse(readFileSync(file, 'utf8')) as typeof stored;
    } catch {
      throw new Error(`${file} is not valid JSON; delete it and run \`npm run up\` again, or pass --url and --token.`);
    }
  }
  const url = options.url ?? process.env['DOCKHAND_URL'] ?? stored.url;
  const token = options.token ?? process.env['DOCKHAND_TOKEN'] ?? stored.token;
  const projectId = options.projectId ?? process.env['DOCKHAND_PROJECT_ID'] ?? stored.project_id;
  if (!url || !token) {
    throw new Error(`No Dockhand server configured: start one with \`npm run up\` (it writes ${file}), or set DOCKHAND_URL and DOCKHAND_TOKEN.`);
  }
  return projectId ? { url: url.replace(/\/+$/, ''), token, projectId } : { url: url.replace(/\/+$/, ''), token };
}
