/**
 * Reads a zip upload into the canonical writer. A zip's directory sits at its end, so the upload is
 * first spooled to a temp file (counting bytes against the upload cap). Then every entry of the
 * central directory is checked (names, types, declared sizes, totals) before a single byte is
 * inflated; only then are the files copied, each counted on the stream and checked against its CRC-32.
 *
 *   await readZipInto(feed, { spoolDir, ledger, writer, maxUploadBytes, origins });
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import { DhError } from '../../core/errors.ts';
import { uploadCap } from './byte-counter.ts';
import type { CanonicalWriter } from './canonical-writer.ts';
import type { ErrorOrigins } from './corrupt-archive.ts';
import { displayName } from './entry-name.ts';
import type { AdmittedEntry, ArchiveLedger } from './entry-policy.ts';
import { zipEntryType } from './zip-entry-type.ts';

export interface ZipReadOptions {
  spoolDir: string;
  ledger: ArchiveLedger;
  writer: CanonicalWriter;
  maxUploadBytes: number;
  origins: ErrorOrigins;
}

const STORED = 0;
const DEFLATED = 8;
const ENCRYPTED_FLAG = 0x1;

export async function readZipInto(source: Readable, options: ZipReadOptions): Promise<void> {
  const { ledger, writer, origins } = options;
  const spoolPath = path.join(options.spoolDir, `.upload-${randomUUID()}.zip`);
  let zipfile: yauzl.ZipFile | undefined;
  try {
    origins.watch(source, 'upload');
    await pipeline(source, uploadCap(options.maxUploadBytes), createWriteStream(spoolPath, { flags: 'wx', mode: 0o600 }));

    zipfile = await yauzl
      .openPromise(spoolPath, {
        lazyEntries: true,
        autoClose: false,
        // Names are decoded and judged here, by the same rules as tar names, not rewritten by yauzl.
        decodeStrings: false,
        validateEntrySizes: true,
      })
      .catch((err: unknown) => {
        origins.tag(err, 'zip');
        throw err;
      });
    origins.watch(zipfile, 'zip');

    const accepted: { zipEntry: yauzl.Entry; entry: AdmittedEntry }[] = [];
    for await (const zipEntry of zipfile.eachEntry()) {
      const entry = admitZipEntry(zipEntry, ledger);
      if (entry) accepted.push({ zipEntry, entry });
    }

    for (const { zipEntry, entry } of accepted) {
      if (entry.kind === 'directory') {
        await writer.addDirectory(entry);
        continue;
      }
      const body = await zipfile.openReadStreamPromise(zipEntry).catch((err: unknown) => {
        origins.tag(err, 'zip');
        throw err;
      });
      origins.watch(body, 'zip');
      await writer.addFile(entry, checkCrc(body, zipEntry.crc32, entry.name), (bytes, soFar) => ledger.countContent(entry, bytes, soFar));
    }
  } catch (err) {
    throw origins.classify(err, 'zip');
  } finally {
    zipfile?.close();
    await rm(spoolPath, { force: true });
  }
}

function admitZipEntry(zipEntry: yauzl.Entry, ledger: ArchiveLedger): AdmittedEntry | null {
  // strictFileNames: a backslash stays a backslash, and the ledger refuses it.
  const name = yauzl.getFileNameLowLevel(zipEntry.generalPurposeBitFlag, zipEntry.fileNameRaw, zipEntry.extraFields, true);
  const { type, mode } = zipEntryType({ versionMadeBy: zipEntry.versionMadeBy, externalFileAttributes: zipEntry.externalFileAttributes, name });
  const entry = ledger.admit({ name, type, mode, size: zipEntry.uncompressedSize });
  if (entry?.kind === 'file') {
    if ((zipEntry.generalPurposeBitFlag & ENCRYPTED_FLAG) !== 0) {
      throw new DhError('DH_ERR_BAD_ARCHIVE', `Archive entry ${displayName(name)} is encrypted; upload an archive without a password.`, { entry: name, rule: 'encrypted' });
    }
    if (zipEntry.compressionMethod !== STORED && zipEntry.compressionMethod !== DEFLATED) {
      throw new DhError(
        'DH_ERR_BAD_ARCHIVE',
        `Archive entry ${displayName(name)} uses zip compression method ${zipEntry.compressionMethod}; only stored and deflated entries are read, so re-create the zip with standard deflate (e.g. \`zip -r\`).`,
        { entry: name, rule: 'compression-method' },
      );
    }
  }
  return entry;
}

/** Passes the body through, and fails at its end when its CRC-32 differs from the one the zip records. */
async function* checkCrc(body: AsyncIterable<Buffer>, expected: number, name: string): AsyncGenerator<Buffer> {
  let crc = 0;
  for await (const chunk of body) {
    crc = crc32(chunk, crc);
    yield chunk;
  }
  if (crc >>> 0 !== expected >>> 0) {
    throw new DhError('DH_ERR_BAD_ARCHIVE', `Archive entry ${displayName(name)} fails its CRC-32 check: the zip is corrupt; re-create it and upload it again.`, {
      entry: name,
      rule: 'crc',
    });
  }
}
