/**
 * Turns a canonical archive (as the code store keeps it) back into what the user uploaded: the same
 * files in a .tar.gz, without Dockhand's internal `task/` prefix. Used by `code download`.
 *
 *   const download = exportArchive(await codeStore.get(sha256)); // a Readable .tar.gz
 *   download.pipe(reply.raw);
 *
 * Errors (a missing or corrupt stored file) arrive as an 'error' on the returned stream.
 */
import { Readable, pipeline } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { CANONICAL_PREFIX } from './canonical-writer.ts';

export function exportArchive(canonicalTarGz: Readable): Readable {
  const extract = tar.extract();
  const pack = tar.pack();
  extract.on('entry', (header, body, next) => {
    body.on('error', () => undefined); // reported through the pipeline; see read-tar.ts
    const name = header.name.startsWith(CANONICAL_PREFIX) ? header.name.slice(CANONICAL_PREFIX.length) : '';
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
  const gzip = createGzip();
  pipeline(canonicalTarGz, createGunzip(), extract, (err) => {
    if (err) pack.destroy(err);
  });
  return pipeline(pack, gzip, () => undefined);
}
