/**
 * The data directory Dockhand's host processes write to (dockerd log, Redis files, credentials):
 * `DOCKHAND_DATA_DIR`, default `.dockhand`, always made absolute because daemons change directory.
 *
 *   const dataDir = resolveDataDir(process.env); // '/work/main/.dockhand'
 */
import path from 'node:path';

export function resolveDataDir(env: Record<string, string | undefined> = process.env, cwd: string = process.cwd()): string {
  const configured = env.DOCKHAND_DATA_DIR;
  return path.resolve(cwd, configured && configured !== '' ? configured : '.dockhand');
}
