/**
 * Build contexts: the files of a Dockerfile's directory, read once, hashed, and packed into the tar the
 * engine builds from. Packing the very bytes that were hashed means the tag always matches the build.
 * Timestamps and owners are fixed so the engine's layer cache sees the same context every time.
 *
 *   const files = await readContextFiles('dockerfiles/node-20');
 *   await docker.buildImage(packContext(files), { t: 'dockhand/stack-node-20:3f9c0a1b2c4d' });
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { DhError } from '../core/errors.ts';
import type { ContextFile } from './hashing.ts';

/** Every regular file under `dir` (recursively); links and other special files are refused. */
export async function readContextFiles(dir: string): Promise<ContextFile[]> {
  const files: ContextFile[] = [];
  const walk = async (relative: string): Promise<void> => {
    const entries = await readdir(path.join(dir, relative), { withFileTypes: true });
    for (const entry of entries) {
      const rel = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) await walk(rel);
      else if (entry.isFile()) {
        const full = path.join(dir, rel);
        const [content, info] = await Promise.all([readFile(full), stat(full)]);
        files.push({ path: rel, executable: (info.mode & 0o111) !== 0, content });
      } else {
        throw new DhError('DH_ERR_CONFIG', `Build context ${dir} holds ${rel}, which is not a regular file or directory; keep only plain files there.`);
      }
    }
  };
  try {
    await walk('');
  } catch (err) {
    if (err instanceof DhError) throw err;
    throw new DhError('DH_ERR_CONFIG', `Cannot read the build context ${dir}: ${(err as Error).message}.`);
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** A tar stream of `files` for the engine's build endpoint. */
export function packContext(files: readonly ContextFile[]): Readable {
  const tar = pack();
  for (const file of files) {
    tar.entry({ name: file.path, size: file.content.length, mode: file.executable ? 0o755 : 0o644, mtime: new Date(0), uid: 0, gid: 0 }, file.content);
  }
  tar.finalize();
  // tar-stream's streams are streamx streams; wrap for the Node stream type the engine client expects.
  return Readable.from(tar as AsyncIterable<Buffer>);
}
