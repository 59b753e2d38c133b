/**
 * A code store in a directory (by default `<DOCKHAND_DATA_DIR>/code`), local or a shared mount.
 * Layout: `<root>/ab/abcdef….tar.gz`, two hex characters of fan-out so no directory grows huge.
 * Writes land under a temp name in the target directory, are fsynced, then renamed into place, so a
 * reader (another node on the same mount, too) never sees half an archive.
 *
 *   const store = new FsCodeStore('/var/lib/dockhand/code');
 *   await store.put('/var/lib/dockhand/tmp/.canonical-….tar.gz', sha256);
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DhError } from '../../core/errors.ts';
import type { StoredArchive } from '../../core/retention/archive-collection.ts';
import { assertSha256, type CodeStore, type PutResult } from './port.ts';

const SUFFIX = '.tar.gz';
const TEMP_PREFIX = '.incoming-';
const SHA256_NAME = /^[0-9a-f]{64}$/;

export class FsCodeStore implements CodeStore {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  path(sha256: string): string {
    assertSha256(sha256);
    return path.join(this.root, sha256.slice(0, 2), sha256 + SUFFIX);
  }

  async put(tempPath: string, sha256: string): Promise<PutResult> {
    const target = this.path(sha256);
    const actual = await sha256OfFile(tempPath);
    if (actual !== sha256) {
      throw new DhError('DH_ERR_INTERNAL', `The archive at ${tempPath} hashes to ${actual}, not to ${sha256}; it was not stored.`);
    }
    const existing = await sizeOf(target);
    if (existing !== undefined) return { created: false, size: existing };

    const directory = path.dirname(target);
    await mkdir(directory, { recursive: true });
    const staged = path.join(directory, `${TEMP_PREFIX}${randomUUID()}`);
    try {
      await moveOrCopy(tempPath, staged);
      await fsyncPath(staged);
      // rename() replaces atomically; if another writer got there first, it wrote the same bytes.
      await rename(staged, target);
    } catch (err) {
      await rm(staged, { force: true });
      throw err;
    }
    await fsyncPath(directory).catch(() => undefined); // not every file system lets a directory be fsynced
    return { created: true, size: (await sizeOf(target)) ?? 0 };
  }

  async get(sha256: string): Promise<Readable> {
    const target = this.path(sha256);
    // Opened before returning, so a missing archive is this call's error, not a later stream error.
    const handle = await open(target, 'r').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') {
        throw new DhError('DH_ERR_REVISION_NOT_FOUND', `The code store at ${this.root} holds no archive ${sha256}; upload the code package again.`, { sha256 });
      }
      throw err;
    });
    return handle.createReadStream();
  }

  async has(sha256: string): Promise<boolean> {
    return (await sizeOf(this.path(sha256))) !== undefined;
  }

  async delete(sha256: string): Promise<void> {
    await rm(this.path(sha256), { force: true });
  }

  async list(): Promise<StoredArchive[]> {
    const archives: StoredArchive[] = [];
    for (const shard of await this.shards()) {
      for (const name of await readdir(path.join(this.root, shard)).catch(() => [] as string[])) {
        const sha256 = name.endsWith(SUFFIX) ? name.slice(0, -SUFFIX.length) : '';
        if (!SHA256_NAME.test(sha256)) continue;
        const info = await stat(path.join(this.root, shard, name)).catch(() => undefined);
        if (info?.isFile()) archives.push({ sha256, storedMs: info.mtimeMs, size: info.size });
      }
    }
    return archives;
  }

  private async shards(): Promise<string[]> {
    return (await readdir(this.root).catch(() => [] as string[])).filter((shard) => /^[0-9a-f]{2}$/.test(shard));
  }

  /** Removes temp files that a crashed `put` left behind, if older than `maxAgeMs`. Returns how many. */
  async sweepIncoming(maxAgeMs: number, nowMs: number = Date.now()): Promise<number> {
    let removed = 0;
    for (const shard of await this.shards()) {
      for (const name of await readdir(path.join(this.root, shard)).catch(() => [] as string[])) {
        if (!name.startsWith(TEMP_PREFIX)) continue;
        const file = path.join(this.root, shard, name);
        const info = await stat(file).catch(() => undefined);
        if (info && nowMs - info.mtimeMs > maxAgeMs) {
          await unlink(file).catch(() => undefined);
          removed += 1;
        }
      }
    }
    return removed;
  }
}

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

async function sizeOf(file: string): Promise<number | undefined> {
  const info = await stat(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  return info?.isFile() ? info.size : undefined;
}

/** rename() when source and target share a file system, else a copy (the caller removes the source). */
async function moveOrCopy(source: string, target: string): Promise<void> {
  try {
    await rename(source, target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await copyFile(source, target);
  }
}

async function fsyncPath(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
