/**
 * The code store of a worker node that does not share the server's code directory: an archive found
 * in the node's own directory (a shared mount, when there is one) is read from there; any other is
 * fetched once by its sha256 from the API (`GET /v1/archives/:sha256`, node token), checked against
 * the hash while it streams to disk, and kept in a local cache. The cache is content-addressed, so it
 * can never be stale, and size-capped: after each fetch the least recently used archives go until the
 * cache fits (an archive larger than the cap is still kept until the next fetch).
 *
 *   const store = new FetchingCodeStore({ local, cache: new FsCodeStore(dir), apiUrl, token, capBytes });
 *   const stream = await store.get(sha256);   // local, cached, or fetched
 */
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DhError } from '../../core/errors.ts';
import type { FsCodeStore } from './fs-code-store.ts';
import { assertSha256, type CodeStore, type PutResult, type StoredArchive } from './port.ts';

export interface FetchingCodeStoreOptions {
  /** The node's own code directory (DOCKHAND_CODE_DIR): read first, never written or evicted. */
  local: CodeStore;
  /** Where fetched archives are kept (`<data dir>/code-cache`). */
  cache: FsCodeStore;
  /** The API's base URL, e.g. http://server:8080. */
  apiUrl: string;
  /** The node token (store/redis/node-token.ts), read lazily. */
  token: () => Promise<string>;
  capBytes: number;
  fetchTimeoutMs?: number;
}

export class FetchingCodeStore implements CodeStore {
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(private readonly options: FetchingCodeStoreOptions) {}

  async get(sha256: string): Promise<Readable> {
    assertSha256(sha256);
    if (await this.options.local.has(sha256)) return this.options.local.get(sha256);
    if (!(await this.options.cache.has(sha256))) await this.fetchOnce(sha256);
    // Recently used archives are the last to be evicted.
    const now = new Date();
    await utimes(this.options.cache.path(sha256), now, now).catch(() => undefined);
    return this.options.cache.get(sha256);
  }

  async has(sha256: string): Promise<boolean> {
    return (await this.options.local.has(sha256)) || this.options.cache.has(sha256);
  }

  /** Uploads go to the server; a node only reads. */
  put(_tempPath: string, sha256: string): Promise<PutResult> {
    return Promise.reject(new DhError('DH_ERR_INTERNAL', `A worker node's code store is read-only; archive ${sha256} must be uploaded to the server.`));
  }

  /** Removes a fetched copy only; the node's own directory is not the node's to change. */
  delete(sha256: string): Promise<void> {
    return this.options.cache.delete(sha256);
  }

  path(sha256: string): string {
    return this.options.cache.path(sha256);
  }

  /** The fetched copies only, like `delete`: a retention sweep may drop those, never the node's own directory. */
  list(): Promise<StoredArchive[]> {
    return this.options.cache.list();
  }

  /** One download per archive at a time, however many tasks ask for it. */
  private fetchOnce(sha256: string): Promise<void> {
    let pending = this.inFlight.get(sha256);
    if (!pending) {
      pending = this.fetch(sha256).finally(() => this.inFlight.delete(sha256));
      this.inFlight.set(sha256, pending);
    }
    return pending;
  }

  private async fetch(sha256: string): Promise<void> {
    const url = `${this.options.apiUrl.replace(/\/+$/, '')}/v1/archives/${sha256}`;
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${await this.options.token()}` },
      signal: AbortSignal.timeout(this.options.fetchTimeoutMs ?? 120_000),
    }).catch((err: unknown) => {
      throw new DhError('DH_ERR_API_UNAVAILABLE', `Could not fetch code archive ${sha256} from ${url}: ${(err as Error).message}; check DOCKHAND_API_URL.`, { sha256 });
    });
    if (response.status === 404) {
      throw new DhError('DH_ERR_REVISION_NOT_FOUND', `The API at ${this.options.apiUrl} holds no archive ${sha256}; upload the code package again.`, { sha256 });
    }
    if (!response.ok || !response.body) {
      throw new DhError('DH_ERR_API_UNAVAILABLE', `Fetching code archive ${sha256} from ${url} failed with HTTP ${response.status}.`, { sha256, status: response.status });
    }
    const incoming = path.join(this.options.cache.root, `.download-${randomUUID()}`);
    await mkdir(this.options.cache.root, { recursive: true });
    try {
      const hash = createHash('sha256');
      const hashing = new Transform({ transform(chunk: Buffer, _enc, done) { hash.update(chunk); done(null, chunk); } });
      await pipeline(Readable.fromWeb(response.body), hashing, createWriteStream(incoming));
      const actual = hash.digest('hex');
      if (actual !== sha256) {
        throw new DhError('DH_ERR_INTERNAL', `The archive fetched from ${url} hashes to ${actual}, not ${sha256}; it was discarded.`, { sha256 });
      }
      await this.options.cache.put(incoming, sha256);
    } finally {
      await rm(incoming, { force: true });
    }
    await this.evict(sha256);
  }

  /** Drops least recently used archives (by mtime) until the cache fits its cap; never `keep`. */
  private async evict(keep: string): Promise<void> {
    const files: Array<{ file: string; size: number; usedAt: number }> = [];
    for (const shard of await readdir(this.options.cache.root).catch(() => [] as string[])) {
      if (!/^[0-9a-f]{2}$/.test(shard)) continue;
      for (const name of await readdir(path.join(this.options.cache.root, shard)).catch(() => [] as string[])) {
        if (!name.endsWith('.tar.gz') || name.startsWith(keep)) continue;
        const file = path.join(this.options.cache.root, shard, name);
        const info = await stat(file).catch(() => undefined);
        if (info) files.push({ file, size: info.size, usedAt: info.mtimeMs });
      }
    }
    const kept = (await stat(this.options.cache.path(keep)).catch(() => undefined))?.size ?? 0;
    let total = kept + files.reduce((sum, f) => sum + f.size, 0);
    for (const f of files.sort((a, b) => a.usedAt - b.usedAt)) {
      if (total <= this.options.capBytes) break;
      await rm(f.file, { force: true });
      total -= f.size;
    }
  }
}
