/**
 * Accepts an uploaded code archive (tar, tar.gz or zip) as a stream, checks every entry while it
 * streams, and writes the accepted entries as Dockhand's canonical archive: a gzip'd tar with every
 * entry under `task/`, regular files and directories only, canonical modes (0755 directories, 0644 or
 * 0755 files, never setuid/setgid/sticky), owner 1000:1000 `worker`, one fixed mtime. This is the file
 * the code store keeps and the worker streams into each task container.
 *
 *   const archive = await canonicalizeArchive(request.file, 'auto', { tmpDir });
 *   try { await codeStore.put(archive.path, archive.sha256); } finally { await rm(archive.path, { force: true }); }
 *
 * Failures are DhErrors: DH_ERR_BAD_ARCHIVE (which entry, which rule, what to do) or
 * DH_ERR_ARCHIVE_TOO_LARGE (which cap, its value). On failure the temp files are gone, and `input` is
 * unpiped and paused but not destroyed, so an HTTP caller can still answer with the error; whether to
 * drain or drop the rest of the upload is the caller's choice.
 */
import { mkdir } from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import { DhError } from '../../core/errors.ts';
import { ARCHIVE_STREAM_HIGH_WATER_MARK, detectArchiveFormat, sniffArchive, type ArchiveFormat, type DeclaredArchiveFormat } from './archive-format.ts';
import { resolveArchiveLimits, type ArchiveLimits } from './archive-limits.ts';
import { CanonicalWriter } from './canonical-writer.ts';
import { ErrorOrigins } from './corrupt-archive.ts';
import { ArchiveLedger } from './entry-policy.ts';
import { readTarInto } from './read-tar.ts';
import { readZipInto } from './read-zip.ts';

export type { ArchiveFormat, DeclaredArchiveFormat } from './archive-format.ts';
export type { ArchiveLimits } from './archive-limits.ts';

export interface CanonicalizeOptions {
  /** Where the canonical archive (and, for zips, the spooled upload) is written; created if missing. */
  tmpDir: string;
  /** Caps to use instead of the defaults from src/core/limits.ts. */
  limits?: Partial<ArchiveLimits>;
}

export interface CanonicalArchive {
  /** The canonical .tar.gz, a temp file in `tmpDir`: move it into a code store, or remove it. */
  path: string;
  /** sha256 (hex) of the file at `path`: the same accepted content gives the same hash. */
  sha256: string;
  /** Bytes of the file at `path`. */
  size: number;
  /** The format the upload turned out to be. */
  format: ArchiveFormat;
  /** Regular files in the archive. */
  fileCount: number;
  /** Entries in the canonical archive: files and the directories the upload listed. */
  entryCount: number;
  /** Unpacked bytes of all files. */
  totalBytes: number;
}

/**
 * `format` is what the caller believes the upload is (from a file name, say); the first bytes decide,
 * and `format` only shapes the message when they match no archive format.
 */
export async function canonicalizeArchive(input: Readable, format: DeclaredArchiveFormat, options: CanonicalizeOptions): Promise<CanonicalArchive> {
  const limits = resolveArchiveLimits(options.limits);
  await mkdir(options.tmpDir, { recursive: true });
  const writer = await CanonicalWriter.create(options.tmpDir);

  // Everything below reads from `feed`, which can be torn down without destroying the caller's stream.
  const feed = new PassThrough({ highWaterMark: ARCHIVE_STREAM_HIGH_WATER_MARK });
  const forwardError = (err: Error): void => {
    feed.destroy(err);
  };
  input.on('error', forwardError);
  input.pipe(feed);

  const ledger = new ArchiveLedger(limits);
  const origins = new ErrorOrigins();
  try {
    const { head, stream } = await sniffArchive(feed);
    const actual = resolveFormat(head, format);
    if (actual === 'zip') {
      await readZipInto(stream, { spoolDir: options.tmpDir, ledger, writer, maxUploadBytes: limits.maxUploadBytes, origins });
    } else {
      await readTarInto(stream, { gzip: actual === 'tar.gz', ledger, writer, maxUploadBytes: limits.maxUploadBytes, origins });
    }
    if (ledger.fileCount === 0) {
      throw new DhError('DH_ERR_BAD_ARCHIVE', 'The archive holds no files; upload the directory with your code in it.', { rule: 'empty' });
    }
    const file = await writer.finish();
    return { ...file, format: actual, fileCount: ledger.fileCount, entryCount: ledger.entryCount, totalBytes: ledger.totalBytes };
  } catch (err) {
    input.unpipe(feed);
    input.pause();
    feed.destroy();
    await writer.abort(err);
    throw err;
  } finally {
    input.off('error', forwardError);
  }
}

function resolveFormat(head: Buffer, declared: DeclaredArchiveFormat): ArchiveFormat {
  if (head.length === 0) throw new DhError('DH_ERR_BAD_ARCHIVE', 'The upload is empty; send a .tar.gz, .tar or .zip archive of your code.', { rule: 'empty' });
  const detected = detectArchiveFormat(head);
  if (detected === null) {
    throw new DhError(
      'DH_ERR_BAD_ARCHIVE',
      `The upload is not a ${declared === 'auto' ? 'tar, tar.gz or zip archive' : `${declared} archive`} (its first bytes match no archive format Dockhand reads); send a .tar.gz, .tar or .zip archive of your code.`,
      { rule: 'format' },
    );
  }
  if (typeof detected === 'object') {
    throw new DhError('DH_ERR_BAD_ARCHIVE', `The upload is ${detected.unsupported}-compressed; send a .tar.gz, .tar or .zip archive instead.`, { rule: 'format' });
  }
  // The bytes decide: an uncompressed tar named .tar.gz (`tar cf x.tar.gz`) is common and harmless.
  return detected;
}
