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
import { pipeline, type Readable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { CANONICAL_MTIME, CANONICAL_PREFIX } from './canonical-writer.ts';
import { ZipWriter } from './zip-writer.ts';

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

function exportZip(canonicalTarGz: Readable): Readable {
  const zip = new ZipWriter(CANONICAL_MTIME);
  const extract = tar.extract();
  extract.on('entry', (header, body, next) => {
    body.on('error', () => undefined);
    const name = exportedName(header);
    const written =
      name === '' || header.type === 'directory'
        ? (name === '' ? Promise.resolve() : zip.addDirectory(name, header.mode)).then(() => void body.resume())
        : zip.addFile(name, header.mode, body);
    written.then(
      () => next(),
      (err: unknown) => next(err as Error),
    );
  });
  pipeline(canonicalTarGz, createGunzip(), extract, (err) => {
    if (err) zip.output.destroy(err);
    else zip.finish().catch((finishErr: unknown) => zip.output.destroy(finishErr as Error));
  });
  return zip.output;
}
