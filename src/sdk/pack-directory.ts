/**
 * Packs code for upload, on the client side: a directory into a .tar.gz, or an existing archive file
 * opened as-is. The server checks and canonicalizes whatever arrives; packing here only keeps out what
 * the server would refuse or the user asked to leave out.
 *
 *   const upload = await openCodeSource('./worker');        // a directory or an archive file
 *   // { stream, format: 'tar.gz' | 'tar' | 'zip', skipped: [...] }
 *
 * A directory is packed with its entries relative to it, in sorted order (the same tree gives the
 * same archive), honouring `.dockhandignore` at its root (gitignore syntax), or `.gitignore` there when
 * there is no `.dockhandignore` (so a project's build output and node_modules stay home). Always left out: `.git`
 * (at any depth), `.dockhandignore` itself, and anything that is not a regular file or a directory:
 * symbolic links are skipped, never followed (a link could point out of the directory, and the server
 * refuses links), as are sockets, FIFOs and devices. Skipped entries are reported through `onSkip`.
 */
import { createReadStream, lstatSync, readFileSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import ignore from 'ignore';
import tarFs from 'tar-fs';
import { DhError } from '../core/errors.ts';

export type PackedFormat = 'tar.gz' | 'tar' | 'zip';

export const IGNORE_FILE = '.dockhandignore';
/** Read instead when the directory has no IGNORE_FILE. */
export const FALLBACK_IGNORE_FILE = '.gitignore';

export interface SkippedEntry {
  /** Path relative to the packed directory, with "/" separators. */
  path: string;
  reason: 'ignored' | 'symlink' | 'special-file' | 'git';
}

export interface PackOptions {
  /** Called for each entry left out (not for entries inside an ignored directory). */
  onSkip?: (entry: SkippedEntry) => void;
}

/**
 * A .tar.gz stream of `dir`. Throws at once when `dir` is not a directory; read errors while packing
 * (a file vanishing mid-pack) arrive as the stream's 'error'.
 */
export function packDirectory(dir: string, options: PackOptions = {}): Readable {
  const root = path.resolve(dir);
  if (!statSync(root, { throwIfNoEntry: false })?.isDirectory()) {
    throw new DhError('DH_ERR_VALIDATION', `${dir} is not a directory; pass the directory that holds your code.`, { field: 'dir' });
  }
  const leaveOut = packFilter(root, options);
  // `sort` (tar-fs 3) is missing from @types/tar-fs 2; sorted readdir makes the archive reproducible.
  const packOptions: tarFs.PackOptions & { sort: boolean } = { ignore: leaveOut, sort: true, dereference: false };
  return pipeline(tarFs.pack(root, packOptions), createGzip(), () => undefined);
}

/**
 * What packing `root` leaves out, as a predicate over absolute paths (true: left out); `dockhand dev`
 * watches through the same one, so a change to a file that would not be uploaded starts no run.
 */
export function packFilter(root: string, options: PackOptions = {}): (absolute: string) => boolean {
  const rules = ignore().add(readIgnoreRules(root));
  const skip = (entry: SkippedEntry): true => {
    options.onSkip?.(entry);
    return true;
  };
  return (absolute: string): boolean => {
    const relative = path.relative(root, absolute).split(path.sep).join('/');
    if (relative === '' || relative === '.') return false;
    if (relative === IGNORE_FILE) return true;
    if (relative.split('/').includes('.git')) return skip({ path: relative, reason: 'git' });
    const entry = lstatSync(absolute, { throwIfNoEntry: false });
    if (!entry) return true;
    if (entry.isSymbolicLink()) return skip({ path: relative, reason: 'symlink' });
    if (!entry.isFile() && !entry.isDirectory()) return skip({ path: relative, reason: 'special-file' });
    if (rules.ignores(entry.isDirectory() ? `${relative}/` : relative)) return skip({ path: relative, reason: 'ignored' });
    return false;
  };
}

function readIgnoreRules(root: string): string {
  for (const name of [IGNORE_FILE, FALLBACK_IGNORE_FILE]) {
    try {
      return readFileSync(path.join(root, name), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return '';
}

const ARCHIVE_EXTENSIONS: [string, PackedFormat][] = [
  ['.tar.gz', 'tar.gz'],
  ['.tgz', 'tar.gz'],
  ['.tar', 'tar'],
  ['.zip', 'zip'],
];

/** An archive file opened for upload; its format is told by its extension. */
export async function openArchiveFile(file: string): Promise<{ stream: Readable; format: PackedFormat; size: number }> {
  const lower = file.toLowerCase();
  const match = ARCHIVE_EXTENSIONS.find(([extension]) => lower.endsWith(extension));
  if (!match) {
    throw new DhError(
      'DH_ERR_VALIDATION',
      `${file} is not an archive Dockhand reads; pass a directory, or a file ending in ${ARCHIVE_EXTENSIONS.map(([extension]) => extension).join(', ')}.`,
      { field: 'archive' },
    );
  }
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) throw new DhError('DH_ERR_VALIDATION', `${file} does not exist or is not a file.`, { field: 'archive' });
  return { stream: createReadStream(file), format: match[1], size: info.size };
}

/** A directory is packed; an archive file is opened. What `dockhand code upload <dir|archive>` sends. */
export async function openCodeSource(source: string, options: PackOptions = {}): Promise<{ stream: Readable; format: PackedFormat }> {
  const info = await stat(source).catch(() => undefined);
  if (info?.isDirectory()) return { stream: packDirectory(source, options), format: 'tar.gz' };
  return openArchiveFile(source);
}
