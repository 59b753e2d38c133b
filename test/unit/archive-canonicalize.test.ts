import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { Scratch } from '../fixtures/archives/harness.ts';
import { tarOf, type TarFixtureEntry } from '../fixtures/archives/tar-fixtures.ts';
import { zipOf } from '../fixtures/archives/zip-fixtures.ts';

const APP: TarFixtureEntry[] = [
  { name: './', type: 'directory' },
  { name: './src/', type: 'directory', mode: 0o775 },
  { name: './src/app.js', content: 'console.log("hello")\n', mode: 0o664 },
  { name: './run.sh', content: '#!/bin/sh\nnode src/app.js\n', mode: 0o775 },
];

let scratch: Scratch;
beforeEach(async () => {
  scratch = await Scratch.create();
});
afterEach(async () => {
  await scratch.remove();
});

describe('canonicalizeArchive with good archives', () => {
  test('stores a tar.gz under task/, owned by 1000:1000 worker, with canonical modes and one mtime', async () => {
    const result = await scratch.canonicalize(gzipSync(await tarOf(APP)));
    expect(result).toMatchObject({ format: 'tar.gz', fileCount: 2, entryCount: 3, totalBytes: 21 + 26 });
    const entries = await scratch.entries(result);
    expect(entries.map((e) => [e.name, e.type, e.mode.toString(8)])).toEqual([
      ['task/src', 'directory', '755'],
      ['task/src/app.js', 'file', '644'],
      ['task/run.sh', 'file', '755'],
    ]);
    for (const entry of entries) {
      expect(entry).toMatchObject({ uid: 1000, gid: 1000, uname: 'worker', gname: 'worker' });
      expect(entry.mtime.toISOString()).toBe('2000-01-01T00:00:00.000Z');
    }
    expect(entries[1]?.content).toBe('console.log("hello")\n');
  });

  test('reports the sha256 and size of the file it wrote', async () => {
    const result = await scratch.canonicalize(gzipSync(await tarOf(APP)));
    const bytes = await readFile(result.path);
    expect(result.size).toBe(bytes.length);
    expect(result.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(path.dirname(result.path)).toBe(scratch.tmpDir);
  });

  test('gives the same sha256 for the same files, whatever their mtimes, owners or container format', async () => {
    const plainTar = await tarOf(APP);
    const otherTimes = await tarOf(APP.map((e) => ({ ...e, mtime: new Date('2011-11-11T11:11:11Z') })));
    const zip = zipOf([
      { name: 'src/', unixMode: 0o040775 },
      { name: 'src/app.js', content: 'console.log("hello")\n', unixMode: 0o100664 },
      { name: 'run.sh', content: '#!/bin/sh\nnode src/app.js\n', unixMode: 0o100775 },
    ]);
    const hashes = new Set<string>();
    for (const upload of [gzipSync(plainTar), plainTar, gzipSync(otherTimes), zip]) hashes.add((await scratch.canonicalize(upload)).sha256);
    expect(hashes.size).toBe(1);
  });

  test('reads a plain tar and a zip, telling the format by the bytes', async () => {
    expect((await scratch.canonicalize(await tarOf(APP))).format).toBe('tar');
    expect((await scratch.canonicalize(zipOf([{ name: 'a.txt', content: 'a' }]))).format).toBe('zip');
    expect((await scratch.canonicalize(zipOf([{ name: 'a.txt', content: 'a' }]), 'zip')).format).toBe('zip');
  });

  test('goes by the bytes when the declared format is wrong (an uncompressed tar named .tar.gz)', async () => {
    expect((await scratch.canonicalize(await tarOf(APP), 'tar.gz')).format).toBe('tar');
    expect((await scratch.canonicalize(gzipSync(await tarOf(APP)), 'zip')).format).toBe('tar.gz');
  });

  test('normalises "./" prefixes, "." segments and doubled slashes', async () => {
    const result = await scratch.canonicalize(await tarOf([{ name: './a/./b//c.txt', content: 'x' }]));
    expect((await scratch.entries(result)).map((e) => e.name)).toEqual(['task/a/b/c.txt']);
  });

  test('strips setuid, setgid and sticky bits and keeps an execute bit as 0755', async () => {
    const result = await scratch.canonicalize(
      await tarOf([
        { name: 'suid', content: 'x', mode: 0o4755 },
        { name: 'sgid', content: 'x', mode: 0o2711 },
        { name: 'owner-exec-only', content: 'x', mode: 0o100 },
        { name: 'plain', content: 'x', mode: 0o1666 },
        { name: 'dir/', type: 'directory', mode: 0o3777 },
      ]),
    );
    expect(Object.fromEntries((await scratch.entries(result)).map((e) => [e.name, e.mode.toString(8)]))).toEqual({
      'task/suid': '755',
      'task/sgid': '755',
      'task/owner-exec-only': '755',
      'task/plain': '644',
      'task/dir': '755',
    });
  });

  test('keeps exec bits from zip entries made on Unix and gives DOS entries 0644', async () => {
    const result = await scratch.canonicalize(
      zipOf([
        { name: 'run.sh', content: '#!/bin/sh\n', unixMode: 0o104755 },
        { name: 'data.txt', content: 'x', unixMode: 0o100600 },
        { name: 'WINDOWS.TXT', content: 'x' },
        { name: 'dir/', dosAttributes: 0x10 },
      ]),
    );
    expect(Object.fromEntries((await scratch.entries(result)).map((e) => [e.name, `${e.type} ${e.mode.toString(8)}`]))).toEqual({
      'task/run.sh': 'file 755',
      'task/data.txt': 'file 644',
      'task/WINDOWS.TXT': 'file 644',
      'task/dir': 'directory 755',
    });
  });

  test('accepts a file whose parent directory entry comes after it (zip order) and names of 255-byte segments', async () => {
    const long = 'é'.repeat(126); // 252 bytes of UTF-8, 255 with ".js"
    const result = await scratch.canonicalize(zipOf([{ name: `lib/${long}.js`, content: 'x' }, { name: 'lib/', unixMode: 0o040755 }]));
    expect((await scratch.entries(result)).map((e) => e.name)).toEqual([`task/lib/${long}.js`, 'task/lib']);
  });

  test('extracts with GNU tar the way the task container does, followed by a second gzip member', async () => {
    const result = await scratch.canonicalize(gzipSync(await tarOf(APP)));
    const root = path.join(scratch.dir, 'root');
    await mkdir(path.join(root, 'task'), { recursive: true }); // the container's tmpfs mount point
    const stream = path.join(scratch.dir, 'stdin.tar.gz');
    await writeFile(stream, Buffer.concat([await readFile(result.path), gzipSync(await tarOf([{ name: 'run/dockhand/payload.json', content: '{}' }]))]));
    execFileSync('tar', ['-x', '-z', '-i', '-C', root, '--no-same-owner', '--no-overwrite-dir', '-f', stream]);
    expect(await readFile(path.join(root, 'task/src/app.js'), 'utf8')).toBe('console.log("hello")\n');
    expect(await readFile(path.join(root, 'run/dockhand/payload.json'), 'utf8')).toBe('{}');
    expect((await stat(path.join(root, 'task/run.sh'))).mode & 0o7777).toBe(0o755);
  });

  test('leaves the caller\'s stream alive after a refusal, so an HTTP reply can still be sent', async () => {
    const upload = new PassThrough();
    upload.write(await tarOf([{ name: '/etc/passwd', content: 'x' }])); // the client is still sending
    await expect(scratch.canonicalize(upload)).rejects.toMatchObject({ code: 'DH_ERR_BAD_ARCHIVE' });
    expect(upload.destroyed).toBe(false);
    expect(upload.isPaused()).toBe(true);
    upload.destroy();
  });

  test('passes an upload that breaks off (client gone) through as that error, not as a corrupt archive, and cleans up', async () => {
    const whole = gzipSync(await tarOf([{ name: 'a.bin', content: Buffer.alloc(200_000, 7) }, ...APP.slice(1)]));
    const upload = new PassThrough();
    upload.write(whole.subarray(0, 1000));
    setTimeout(() => upload.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })), 20);
    const outcome = await scratch.canonicalize(upload).catch((err: unknown) => err);
    expect(outcome).toMatchObject({ message: 'aborted', code: 'ECONNRESET' });
    expect(await scratch.leftovers()).toEqual([]);
  });
});
