/**
 * The code store: where canonical code archives (gzip'd tars, see src/store/archive) are kept, named
 * by the sha256 of their bytes. Content-addressed, so a second upload of the same code is free and a
 * stored archive never changes. Adapters: a directory (`FsCodeStore`, also for NFS/GlusterFS mounts);
 * an S3-compatible bucket can implement the same port.
 *
 *   await store.put(canonical.path, canonical.sha256);  // moves or copies the file in; idempotent
 *   const stream = await store.get(sha256);              // Readable .tar.gz
 */
import type { Readable } from 'node:stream';
import { DhError } from '../../core/errors.ts';
import type { StoredArchive } from '../../core/retention/archive-collection.ts';
export type { StoredArchive };

export interface PutResult {
  /** false when an archive with this sha256 was already stored (nothing was written). */
  created: boolean;
  /** Bytes of the stored archive. */
  size: number;
}

export interface CodeStore {
  /**
   * Stores the file at `tempPath` under `sha256`, after checking that the file hashes to it. Atomic:
   * readers see the whole archive or none. The caller still owns `tempPath` afterwards and removes it
   * if it is still there (the adapter may have moved it).
   */
  put(tempPath: string, sha256: string): Promise<PutResult>;
  /** The stored archive as a stream; DH_ERR_REVISION_NOT_FOUND when there is none. */
  get(sha256: string): Promise<Readable>;
  has(sha256: string): Promise<boolean>;
  /** Removes the archive; a missing one is not an error. Callers make sure no revision still uses it. */
  delete(sha256: string): Promise<void>;
  /** Every stored archive with when it was stored, for the collection of unreferenced ones. */
  list(): Promise<StoredArchive[]>;
  /** Where the archive lives: a file path for directory stores, an object URL or key for others. */
  path(sha256: string): string;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Code store keys are lowercase hex sha256 digests; anything else (e.g. `../x`) is refused. */
export function assertSha256(sha256: string): void {
  if (!SHA256_HEX.test(sha256)) {
    throw new DhError('DH_ERR_VALIDATION', `"${sha256.slice(0, 80)}" is not a sha256 digest (64 lowercase hex characters).`, { field: 'sha256' });
  }
}
