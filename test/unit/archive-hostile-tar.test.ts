import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { refusal, Scratch } from '../fixtures/archives/harness.ts';
import { tarHeaderBlock, tarOf, type TarFixtureEntry } from '../fixtures/archives/tar-fixtures.ts';

let scratch: Scratch;
beforeEach(async () => {
  scratch = await Scratch.create();
});
afterEach(async () => {
  await scratch.remove();
});

const GOOD: TarFixtureEntry = { name: 'app.js', content: 'ok' };

/** Canonicalizes a tar.gz of `entries`, expects a refusal, and checks nothing was left behind. */
async function refused(entries: TarFixtureEntry[], limits?: Parameters<Scratch['canonicalize']>[2]) {
  const err = await refusal(scratch.canonicalize(gzipSync(await tarOf(entries)), 'auto', limits));
  expect(await scratch.leftovers()).toEqual([]);
  return err;
}

describe('tar entries Dockhand refuses', () => {
  test('a ".." path segment (path traversal)', async () => {
    const err = await refused([GOOD, { name: 'src/../../etc/cron.d/x', content: 'x' }]);
    expect(err.code).toBe('DH_ERR_BAD_ARCHIVE');
    expect(err.message).toContain('"src/../../etc/cron.d/x"');
    expect(err.message).toContain('".."');
  });

  test('an absolute path', async () => {
    const err = await refused([{ name: '/etc/passwd', content: 'root::0:0::/:/bin/sh\n' }]);
    expect(err).toMatchObject({ code: 'DH_ERR_BAD_ARCHIVE', details: { entry: '/etc/passwd' } });
    expect(err.message).toContain('absolute path');
  });

  test('a symbolic link, naming its target (CVE-2024-12905 style)', async () => {
    const err = await refused([GOOD, { name: 'escape', type: 'symlink', linkname: '/etc' }, { name: 'escape/passwd', content: 'x' }]);
    expect(err.code).toBe('DH_ERR_BAD_ARCHIVE');
    expect(err.message).toMatch(/"escape" is a symbolic link \(to "\/etc"\)/);
  });

  test('a hard link (CVE-2025-48387 style)', async () => {
    const err = await refused([GOOD, { name: 'shadow', type: 'link', linkname: '/etc/shadow' }]);
    expect(err.message).toMatch(/"shadow" is a hard link/);
  });

  test('a character device', async () => {
    const err = await refused([{ name: 'mem', type: 'character-device', mode: 0o666 }]);
    expect(err.message).toMatch(/"mem" is a character-device/);
  });

  test('a block device', async () => {
    const err = await refused([{ name: 'sda', type: 'block-device' }]);
    expect(err.message).toMatch(/"sda" is a block-device/);
  });

  test('a FIFO', async () => {
    const err = await refused([{ name: 'pipe', type: 'fifo' }]);
    expect(err.message).toMatch(/"pipe" is a FIFO/);
  });

  test('an entry type nobody defined', async () => {
    const block = tarHeaderBlock({ name: 'odd', size: 0, typeflag: 'Q' });
    const err = await refusal(scratch.canonicalize(gzipSync(Buffer.concat([block, Buffer.alloc(1024)]))));
    expect(err.message).toMatch(/"odd" has an unsupported entry type/);
  });

  test('a NUL byte in a name (smuggled in a pax record)', async () => {
    const err = await refused([{ name: 'harmless.txt', content: 'x', pax: { path: 'evil.sh\u0000.txt' } }]);
    expect(err.message).toContain('NUL');
  });

  test('a newline in a name', async () => {
    const err = await refused([{ name: 'a\nb', content: 'x' }]);
    expect(err.message).toContain('control character');
  });

  test('a backslash in a name', async () => {
    const err = await refused([{ name: '..\\..\\windows\\win.ini', content: 'x' }]);
    expect(err.message).toContain('backslash');
  });

  test('a path segment over 255 bytes', async () => {
    const err = await refused([{ name: `src/${'a'.repeat(256)}`, content: 'x' }]);
    expect(err.message).toMatch(/segment of 256 bytes, over the 255-byte limit/);
  });

  test('a whole path over the name cap', async () => {
    const name = Array.from({ length: 20 }, () => 'd'.repeat(60)).join('/');
    const err = await refused([{ name, content: 'x' }], { maxNameBytes: 1020 });
    expect(err.message).toMatch(/path of 1219 bytes, over the 1020-byte limit/);
  });

  test('an empty name', async () => {
    const block = tarHeaderBlock({ name: '', size: 0 });
    const err = await refusal(scratch.canonicalize(Buffer.concat([block, Buffer.alloc(1024)])));
    expect(err.message).toContain('empty name');
  });

  test('the same name twice, even spelled differently', async () => {
    const err = await refused([GOOD, { name: './app.js', content: 'overwritten' }]);
    expect(err.message).toMatch(/"\.\/app\.js" appears more than once/);
  });

  test('a file that later entries use as a directory', async () => {
    const err = await refused([{ name: 'lib', content: 'x' }, { name: 'lib/mod.js', content: 'y' }]);
    expect(err.message).toMatch(/lies beneath "lib", which is a file/);
  });

  test('a file where earlier entries made a directory', async () => {
    const err = await refused([{ name: 'lib/mod.js', content: 'y' }, { name: 'lib', content: 'x' }]);
    expect(err.message).toMatch(/"lib" is a file, but earlier entries use that path as a directory/);
  });

  test('an archive with no files in it', async () => {
    const err = await refused([{ name: 'empty/', type: 'directory' }]);
    expect(err.message).toContain('no files');
  });
});

describe('tar caps', () => {
  test('too many entries, counting directories implied by paths', async () => {
    const err = await refused([{ name: 'a/b/c/one', content: '1' }, { name: 'two', content: '2' }], { maxEntries: 4 });
    expect(err).toMatchObject({ code: 'DH_ERR_ARCHIVE_TOO_LARGE', details: { cap: 'archiveMaxEntries', limit: 4 } });
    expect(err.message).toContain('more than 4 files and directories');
  });

  test('a file over the per-file cap, refused from its header', async () => {
    const err = await refused([GOOD, { name: 'big.bin', content: Buffer.alloc(2048) }], { maxFileBytes: 1024 });
    expect(err).toMatchObject({ code: 'DH_ERR_ARCHIVE_TOO_LARGE', details: { cap: 'archiveMaxFileBytes', limit: 1024, entry: 'big.bin' } });
    expect(err.message).toContain('"big.bin" unpacks to 2048 bytes');
  });

  test('files together over the total cap', async () => {
    const entries = Array.from({ length: 5 }, (_, i) => ({ name: `part${i}`, content: Buffer.alloc(1000) }));
    const err = await refused(entries, { maxTotalBytes: 4500 });
    expect(err).toMatchObject({ code: 'DH_ERR_ARCHIVE_TOO_LARGE', details: { cap: 'archiveMaxTotalBytes', limit: 4500 } });
  });

  test('an upload larger than the upload cap, counted before decompression', async () => {
    const err = await refused([{ name: 'noise', content: randomBytes(4096) }], { maxUploadBytes: 2048 });
    expect(err).toMatchObject({ code: 'DH_ERR_ARCHIVE_TOO_LARGE', details: { cap: 'archiveMaxUploadBytes', limit: 2048 } });
  });
});

describe('corrupt tar and gzip streams', () => {
  test('a truncated gzip', async () => {
    const whole = gzipSync(await tarOf([{ name: 'a.txt', content: Buffer.alloc(10_000, 'a') }]));
    const err = await refusal(scratch.canonicalize(whole.subarray(0, whole.length - 20)));
    expect(err.code).toBe('DH_ERR_BAD_ARCHIVE');
    expect(err.message).toMatch(/not a readable gzip stream: it is truncated or corrupt/);
    expect(await scratch.leftovers()).toEqual([]);
  });

  test('a tar cut off in the middle of a file', async () => {
    const whole = await tarOf([{ name: 'a.txt', content: Buffer.alloc(10_000, 'a') }]);
    const err = await refusal(scratch.canonicalize(whole.subarray(0, 4096)));
    expect(err.message).toMatch(/not a readable tar stream: it is truncated or corrupt/);
  });

  test('a tar header with a wrong checksum', async () => {
    const tarball = await tarOf([GOOD, { name: 'b.txt', content: 'b' }]);
    tarball[1024 + 10] = 0x41; // second header's name changes, its checksum does not
    const err = await refusal(scratch.canonicalize(gzipSync(tarball)));
    expect(err.message).toMatch(/tar stream: it is truncated or corrupt/);
  });

  test('something that is no archive at all', async () => {
    const err = await refusal(scratch.canonicalize(Buffer.from('<html>not an archive</html>'.repeat(40))));
    expect(err.message).toContain('not a tar, tar.gz or zip archive');
  });

  test('a bzip2 upload, named as such', async () => {
    const err = await refusal(scratch.canonicalize(Buffer.concat([Buffer.from('BZh91AY&SY'), Buffer.alloc(600)])));
    expect(err.message).toContain('bzip2-compressed');
  });


  test('an empty upload', async () => {
    const err = await refusal(scratch.canonicalize(Buffer.alloc(0)));
    expect(err.message).toContain('The upload is empty');
  });
});
