/**
 * Turns a canonical archive (as the code store keeps it) back into what the user uploaded: the same
 * files, without Dockhand's internal `task/` prefix, as a .tar.gz (`code download`) or a zip (what
 * IronWorker clients expect from `GET /2/projects/{id}/codes/{id}/download`).
 *
 *   const download = exportArchive(await codeStore.get(sha256));          // a Readable .tar.gz
 *   const zip = exportArchive(await codeStore.get(sha256), 'zip');        // a Readable .zip
 *
 * Errors (a missing or corrupt stored file) arrive as an 'error' on the returned stream.
 */
import { PassThrough, pipeline, type Readable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import tar from 'tar-stream';
import yazl from 'yazl';
import { CANONICAL_MTIME, CANONICAL_PREFIX } from './canonical-writer.ts';

export type ExportFormat = 'tar.gz' | 'zip';

export function exportArchive(canonicalTarGz: Readable, format: ExportFormat = 'tar.gz'): Readable {
  return format === 'zip' ? exportZip(canonicalTarGz) : exportTarGz(canonicalTarGz);
}

/** The entry's name without the `task/` prefix; '' for the prefix directory itself or a stray entry. */
function exportedName(header: tar.Header): string {
  return header.name.startsWith(CANONICAL_PREFIX) ? header.name.slice(CANONICAL_PREFIX.length) : '';
}

function exportTarGz(canonicalTarGz: Readable): Readable {
  const extract = tar.extract();
  const pack = tar.pack();
  extract.on('entry', (header, body, next) => {
    body.on('error', () => undefined); // reported through the pipeline; see read-tar.ts
    const name = exportedName(header);
    if (name === '') {
      body.resume();
      next();
      return;
    }
    // Built afresh: a pax record copied from the stored header would put the `task/` name back.
    const exported: tar.Header = {
      name,
      type: header.type,
      size: header.size,
      mode: header.mode,
      mtime: header.mtime,
      uid: header.uid,
      gid: header.gid,
      uname: header.uname,
      gname: header.gname,
      linkname: '',
      devmajor: 0,
      devminor: 0,
    };
    body.pipe(pack.entry(exported, next));
  });
  extract.on('finish', () => pack.finalize());
  pipeline(canonicalTarGz, createGunzip(), extract, (err) => {
    if (err) pack.destroy(err);
  });
  return pipeline(pack, createGzip(), () => undefined);
}

/** Zip's Unix file-type bits for a regular file and a directory, beside the permission bits. */
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

function exportZip(canonicalTarGz: Readable): Readable {
  // yazl writes each entry as it reads it (deflated, sizes in a data descriptor; zip64 only if needed).
  const zip = new yazl.ZipFile();
  const output = new PassThrough();
  pipeline(zip.outputStream, output, () => undefined);
  const extract = tar.extract();
  extract.on('entry', (header, body, next) => {
    body.on('error', () => undefined); // reported through the pipeline; see read-tar.ts
    const name = exportedName(header);
    if (name === '' || header.type === 'directory') {
      if (name !== '') zip.addEmptyDirectory(name, { mode: S_IFDIR | ((header.mode ?? 0o755) & 0o7777), mtime: CANONICAL_MTIME });
      body.resume();
      next();
      return;
    }
    // yazl reads its streams in order, so the next tar entry is asked for once this body is read.
    body.once('end', () => next());
    // tar-stream's entry is a streamx Readable; yazl only pipes it, which streamx supports like Node's.
    zip.addReadStream(body as unknown as Readable, name, { mode: S_IFREG | ((header.mode ?? 0o644) & 0o7777), mtime: CANONICAL_MTIME, compress: true });
  });
  pipeline(canonicalTarGz, createGunzip(), extract, (err) => {
    if (err) output.destroy(err);
    else zip.end();
  });
  return output;
}
