import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { FsCodeStore } from './fs-code-store.ts';

let dir: string;
let store: FsCodeStore;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dh-code-store-'));
  store = new FsCodeStore(path.join(dir, 'code'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function staged(content: string): Promise<{ file: string; sha256: string }> {
  const file = path.join(dir, `staged-${Math.random().toString(16).slice(2)}`);
  await writeFile(file, content);
  return { file, sha256: createHash('sha256').update(content).digest('hex') };
}

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

describe('FsCodeStore', () => {
  test('stores by sha256 under a two-character shard and reads it back', async () => {
    const { file, sha256 } = await staged('archive bytes');
    expect(await store.put(file, sha256)).toEqual({ created: true, size: 13 });
    expect(store.path(sha256)).toBe(path.join(dir, 'code', sha256.slice(0, 2), `${sha256}.tar.gz`));
    expect(await store.has(sha256)).toBe(true);
    expect(await text(await store.get(sha256))).toBe('archive bytes');
  });

  test('is idempotent: a second put of the same sha256 writes nothing', async () => {
    const first = await staged('same');
    const second = await staged('same');
    await store.put(first.file, first.sha256);
    const before = await stat(store.path(first.sha256));
    expect(await store.put(second.file, second.sha256)).toEqual({ created: false, size: 4 });
    expect((await stat(store.path(first.sha256))).ino).toBe(before.ino);
  });

  test('refuses a file that does not hash to the sha256 it is stored under', async () => {
    const { file } = await staged('real content');
    const wrong = createHash('sha256').update('other').digest('hex');
    await expect(store.put(file, wrong)).rejects.toMatchObject({ code: 'DH_ERR_INTERNAL' });
    expect(await store.has(wrong)).toBe(false);
  });

  test('refuses keys that are not sha256 digests, so no key can name a path outside the store', async () => {
    expect(() => store.path('../../etc/passwd')).toThrow(/not a sha256 digest/);
    await expect(store.has('AB'.repeat(32))).rejects.toMatchObject({ code: 'DH_ERR_VALIDATION' });
  });

  test.runIf(existsSync('/dev/shm'))('copies a staged file from another file system (EXDEV) and still stores it whole', async () => {
    const shm = await mkdtemp('/dev/shm/dh-code-store-');
    try {
      const file = path.join(shm, 'staged');
      await writeFile(file, 'from tmpfs');
      const sha256 = createHash('sha256').update('from tmpfs').digest('hex');
      expect((await stat(shm)).dev).not.toBe((await stat(dir)).dev);
      expect(await store.put(file, sha256)).toEqual({ created: true, size: 10 });
      expect(await readFile(store.path(sha256), 'utf8')).toBe('from tmpfs');
    } finally {
      await rm(shm, { recursive: true, force: true });
    }
  });

  test('leaves no temp files behind in the shard after a put', async () => {
    const { file, sha256 } = await staged('tidy');
    await store.put(file, sha256);
    expect(await readdir(path.dirname(store.path(sha256)))).toEqual([`${sha256}.tar.gz`]);
  });

  test('reports a missing archive as DH_ERR_REVISION_NOT_FOUND when asked for it', async () => {
    const missing = 'f'.repeat(64);
    await expect(store.get(missing)).rejects.toMatchObject({ code: 'DH_ERR_REVISION_NOT_FOUND' });
    expect(await store.has(missing)).toBe(false);
  });

  test('deletes, and deleting what is not there is fine', async () => {
    const { file, sha256 } = await staged('gone soon');
    await store.put(file, sha256);
    await store.delete(sha256);
    await store.delete(sha256);
    expect(await store.has(sha256)).toBe(false);
  });

  test('sweeps only stale temp files that a crashed put left behind', async () => {
    const { file, sha256 } = await staged('kept');
    await store.put(file, sha256);
    const shard = path.dirname(store.path(sha256));
    const stale = path.join(shard, '.incoming-stale');
    const fresh = path.join(shard, '.incoming-fresh');
    await writeFile(stale, 'x');
    await writeFile(fresh, 'x');
    const hourAgo = new Date(Date.now() - 3_600_000);
    await utimes(stale, hourAgo, hourAgo);
    expect(await store.sweepIncoming(600_000)).toBe(1);
    expect((await readdir(shard)).sort()).toEqual(['.incoming-fresh', `${sha256}.tar.gz`]);
    expect(await readFile(store.path(sha256), 'utf8')).toBe('kept');
  });
});
