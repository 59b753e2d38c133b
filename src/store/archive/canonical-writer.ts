/**
 * Writes the canonical form of an accepted archive: a gzip'd tar whose entries sit under `task/`, owned
 * by uid/gid 1000 (`worker`), with canonical modes and one fixed mtime, into a temp file, hashing it
 * (sha256) on the way. Identical accepted entries in identical order give byte-identical output, so
 * the hash names the content.
 *
 *   const writer = await CanonicalWriter.create(tmpDir);
 *   await writer.addDirectory({ name: 'src', kind: 'directory', mode: 0o755, size: 0 });
 *   await writer.addFile(entry, bodyStream, (bytes, soFar) => ledger.countContent(entry, bytes, soFar));
 *   const { path, sha256, size } = await writer.finish();   // or: await writer.abort()
 */
import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants as zlibConstants, createGzip } from 'node:zlib';
import tar from 'tar-stream';
import type { AdmittedEntry } from './entry-policy.ts';

/** Every entry of the canonical archive lives under this directory; the worker extracts it at `/`. */
export const CANONICAL_PREFIX = 'task/';
export const CANONICAL_UID = 1000;
export const CANONICAL_GID = 1000;
export const CANONICAL_OWNER = 'worker';
/**
 * One mtime for every entry, so the hash depends on names, modes and contents only (re-packing the
 * same tree from a fresh checkout gives the same sha256). 2000-01-01 rather than 0: zip cannot hold
 * dates before 1980, and a user re-zipping a downloaded package would otherwise hit that.
 */
export const CANONICAL_MTIME = new Date(Date.UTC(2000, 0, 1));

export interface CanonicalFile {
  path: string;
  sha256: string;
  /** Bytes of the gzip'd canonical archive. */
  size: number;
}

export class CanonicalWriter {
  private readonly pack = tar.pack();
  private readonly hash = createHash('sha256');
  private size = 0;
  private readonly written: Promise<void>;
  /** Set once the caller stops the writer; errors after that are the caller's, not the writer's. */
  private stoppedByCaller = false;
  private readonly ownFailures = new WeakSet<object>();

  private constructor(readonly path: string) {
    const hashing = new Transform({
      transform: (chunk: Buffer, _encoding, callback) => {
        this.hash.update(chunk);
        this.size += chunk.length;
        callback(null, chunk);
      },
    });
    const gzip = createGzip({ level: zlibConstants.Z_DEFAULT_COMPRESSION });
    const file = createWriteStream(this.path, { flags: 'wx', mode: 0o600 });
    for (const stream of [gzip, hashing, file]) {
      stream.on('error', (err: unknown) => {
        if (!this.stoppedByCaller && typeof err === 'object' && err !== null) this.ownFailures.add(err);
      });
    }
    this.written = pipeline(this.pack, gzip, hashing, file);
    // Awaited in finish()/abort(); until then a failure must not surface as an unhandled rejection.
    this.written.catch(() => undefined);
  }

  static async create(tmpDir: string): Promise<CanonicalWriter> {
    await mkdir(tmpDir, { recursive: true });
    return new CanonicalWriter(path.join(tmpDir, `.canonical-${randomUUID()}.tar.gz`));
  }

  async addDirectory(entry: AdmittedEntry): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.pack.entry(this.header(entry), (err) => (err ? reject(err) : resolve()));
    });
  }

  /**
   * Streams one file's body into the archive. `onChunk(bytes, soFar)` runs before each chunk is written
   * and may throw to stop the copy (a cap was passed); the body is then destroyed.
   */
  async addFile(entry: AdmittedEntry, body: AsyncIterable<unknown>, onChunk: (bytes: number, soFar: number) => void): Promise<void> {
    let sink!: ReturnType<tar.Pack['entry']>;
    const done = new Promise<void>((resolve, reject) => {
      sink = this.pack.entry(this.header(entry), (err) => (err ? reject(err) : resolve()));
    });
    done.catch(() => undefined);
    // The entry callback reports the sink's failure; without a listener its 'error' event would throw.
    sink.on('error', () => undefined);
    let soFar = 0;
    try {
      for await (const item of body) {
        const chunk = Buffer.isBuffer(item) ? item : Buffer.from(item as Uint8Array);
        soFar += chunk.length;
        onChunk(chunk.length, soFar);
        if (!sink.write(chunk)) await Promise.race([once(sink, 'drain'), done]);
      }
      sink.end(undefined);
    } catch (err) {
      if (!this.isOwnFailure(err)) this.stoppedByCaller = true;
      sink.destroy(err as Error);
      throw err;
    }
    await done;
  }

  /**
   * Whether `err` is a failure of the writer itself (disk full, file not creatable), as opposed to one
   * the caller brought in (a cap passed, a corrupt upload) that then tore the writer down too.
   */
  isOwnFailure(err: unknown): boolean {
    return typeof err === 'object' && err !== null && this.ownFailures.has(err);
  }

  /** Ends the archive and returns where it is and what it hashes to. */
  async finish(): Promise<CanonicalFile> {
    this.pack.finalize();
    await this.written;
    return { path: this.path, sha256: this.hash.digest('hex'), size: this.size };
  }

  /** Stops writing and removes the temp file. Never throws. */
  async abort(reason?: unknown): Promise<void> {
    this.stoppedByCaller = true;
    this.pack.destroy(reason instanceof Error ? reason : new Error('canonical archive aborted'));
    await this.written.catch(() => undefined);
    await rm(this.path, { force: true }).catch(() => undefined);
  }

  private header(entry: AdmittedEntry): tar.Header {
    return {
      name: CANONICAL_PREFIX + entry.name,
      type: entry.kind === 'directory' ? 'directory' : 'file',
      size: entry.size,
      mode: entry.mode,
      mtime: CANONICAL_MTIME,
      uid: CANONICAL_UID,
      gid: CANONICAL_GID,
      uname: CANONICAL_OWNER,
      gname: CANONICAL_OWNER,
      linkname: '',
      devmajor: 0,
      devminor: 0,
    };
  }
}
