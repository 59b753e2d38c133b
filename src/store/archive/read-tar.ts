/**
 * Reads a tar (or gzip'd tar) upload as a stream, entry by entry, through the ledger into the
 * canonical writer. Bytes are counted at every stage: the upload as sent, the tar stream after gunzip
 * (against the ledger's budget for headers and padding), and each file's content. Passing any cap
 * throws inside the stream, which tears the whole pipeline down: gunzip stops and nothing more is
 * inflated.
 *
 *   await readTarInto(feed, { gzip: true, ledger, writer, maxUploadBytes, origins });
 */
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { DhError } from '../../core/errors.ts';
import { byteCounter, uploadCap } from './byte-counter.ts';
import type { CanonicalWriter } from './canonical-writer.ts';
import type { ErrorOrigins } from './corrupt-archive.ts';
import type { ArchiveLedger } from './entry-policy.ts';

export interface TarReadOptions {
  gzip: boolean;
  ledger: ArchiveLedger;
  writer: CanonicalWriter;
  maxUploadBytes: number;
  origins: ErrorOrigins;
}

export async function readTarInto(source: Readable, options: TarReadOptions): Promise<void> {
  const { ledger, writer, origins } = options;
  const extract = tar.extract();
  extract.on('entry', (header, body, next) => {
    // When the archive fails, tar-stream destroys the current body with the same error, which this
    // handler already reports through next(); without a listener that 'error' event would throw.
    body.on('error', () => undefined);
    copyEntry(header, body).then(
      () => next(),
      (err: unknown) => {
        // A disk failure must not pass for a corrupt upload when it comes back through the extractor.
        if (writer.isOwnFailure(err)) origins.tag(err, 'output');
        next(err as Error);
      },
    );
  });

  async function copyEntry(header: tar.Header, body: tar.Extract extends AsyncIterable<infer S> ? S : never): Promise<void> {
    const entry = ledger.admit({
      name: header.name,
      // tar-stream reports type flags it does not know as null; the ledger refuses those.
      type: header.type ?? null,
      mode: header.mode,
      size: header.size,
      linkname: header.linkname,
    });
    if (entry === null || entry.kind === 'directory') {
      body.resume();
      if (entry) await writer.addDirectory(entry);
      return;
    }
    await writer.addFile(entry, body, (bytes, soFar) => ledger.countContent(entry, bytes, soFar));
  }

  const tarBudget = byteCounter((total) => {
    const budget = ledger.tarStreamBudget();
    if (total > budget) {
      throw new DhError(
        'DH_ERR_ARCHIVE_TOO_LARGE',
        `The tar stream carries ${total - ledger.totalBytes} bytes of headers and padding around ${ledger.entryCount} entries, ` +
          'far more than an archive needs; it looks like a decompression bomb. Re-create the archive with `tar -czf`.',
        { cap: 'tarOverhead', limit: budget },
      );
    }
  });
  origins.watch(source, 'upload');
  origins.watch(extract, 'tar');
  try {
    if (options.gzip) {
      const gunzip = createGunzip();
      origins.watch(gunzip, 'gzip');
      await pipeline(source, uploadCap(options.maxUploadBytes), gunzip, tarBudget, extract);
    } else {
      await pipeline(source, uploadCap(options.maxUploadBytes), tarBudget, extract);
    }
  } catch (err) {
    throw origins.classify(err, options.gzip ? 'tar.gz' : 'tar');
  }
}
