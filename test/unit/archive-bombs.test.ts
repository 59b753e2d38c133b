/**
 * Decompression bombs. Each is about a megabyte that inflates to a gigabyte; inflating one fully takes
 * about three seconds on a small machine, so "stopped early" is measured twice: by how much of the
 * upload was read, and by the time taken. Stream buffers read about 80 KB ahead of the inflater
 * (16 KiB high-water marks on several streams), so even an immediate stop reads some 8% of a 1 MB bomb.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { deflateParts, GiB, gzipOf, type BombPart } from '../fixtures/archives/bomb-fixtures.ts';
import { refusal, Scratch } from '../fixtures/archives/harness.ts';
import { meteredStream, tarHeaderBlock } from '../fixtures/archives/tar-fixtures.ts';
import { zipOf } from '../fixtures/archives/zip-fixtures.ts';

const MiB = 1024 * 1024;

let scratch: Scratch;
beforeEach(async () => {
  scratch = await Scratch.create();
});
afterEach(async () => {
  await scratch.remove();
});

async function measure(upload: Buffer, limits?: Parameters<Scratch['canonicalize']>[2]) {
  const metered = meteredStream(upload);
  const started = performance.now();
  const err = await refusal(scratch.canonicalize(metered.stream, 'auto', limits));
  const ms = performance.now() - started;
  expect(await scratch.leftovers()).toEqual([]);
  return { err, ms, readShare: metered.consumed() / upload.length };
}

describe('gzip bombs', () => {
  test('a tar entry declaring 1 GiB is refused at its header, after reading a sliver of the upload', async () => {
    const bomb = gzipOf([tarHeaderBlock({ name: 'zeros.bin', size: GiB }), { zeros: GiB }]);
    const { err, ms, readShare } = await measure(bomb);
    expect(err).toMatchObject({ code: 'DH_ERR_ARCHIVE_TOO_LARGE', details: { cap: 'archiveMaxFileBytes' } });
    expect(readShare).toBeLessThan(0.12);
    expect(ms).toBeLessThan(1000);
  });

  test('1 GiB of zero blocks and no entries is stopped by the tar overhead budget after a few MiB', async () => {
    const bomb = gzipOf([{ zeros: GiB }]);
    const { err, ms, readShare } = await measure(bomb);
    expect(err).toMatchObject({ code: 'DH_ERR_ARCHIVE_TOO_LARGE', details: { cap: 'tarOverhead' } });
    expect(err.message).toContain('decompression bomb');
    expect(readShare).toBeLessThan(0.12);
    expect(ms).toBeLessThan(1000);
  });

  test('many files each under the per-file cap stop as soon as the total cap is passed', async () => {
    const parts: BombPart[] = [];
    for (let i = 0; i < 64; i++) parts.push(tarHeaderBlock({ name: `part-${i}.bin`, size: 16 * MiB }), { zeros: 16 * MiB });
    parts.push(Buffer.alloc(1024));
    const { err, ms, readShare } = await measure(gzipOf(parts), { maxFileBytes: 32 * MiB, maxTotalBytes: 64 * MiB });
    expect(err).toMatchObject({ code: 'DH_ERR_ARCHIVE_TOO_LARGE', details: { cap: 'archiveMaxTotalBytes', limit: 64 * MiB } });
    // Four 16 MiB files fit; the fifth header passes the cap: about 64 of 1024 MiB inflated.
    expect(readShare).toBeLessThan(0.2);
    expect(ms).toBeLessThan(4000); // it compresses the 64 MiB it accepted; all of it would take ~15 s
  });
});

describe('zip bombs', () => {
  test('an entry declaring 1 GiB is refused from the central directory, before inflating anything', async () => {
    const bomb = zipOf([{ name: 'zeros.bin', precompressed: deflateParts([{ zeros: GiB }]) }]);
    const { err, ms } = await measure(bomb);
    expect(err).toMatchObject({ code: 'DH_ERR_ARCHIVE_TOO_LARGE', details: { cap: 'archiveMaxFileBytes' } });
    expect(ms).toBeLessThan(1000);
  });

  test('entries that together declare more than the total cap are refused before inflating anything', async () => {
    const body = deflateParts([{ zeros: 10 * MiB }]);
    const entries = Array.from({ length: 60 }, (_, i) => ({ name: `z${i}.bin`, precompressed: body }));
    const { err, ms } = await measure(zipOf(entries));
    expect(err).toMatchObject({ code: 'DH_ERR_ARCHIVE_TOO_LARGE', details: { cap: 'archiveMaxTotalBytes' } });
    expect(ms).toBeLessThan(1000);
  });

  test('an entry that understates its size is cut off at the size it declared', async () => {
    const bomb = zipOf([{ name: 'liar.bin', precompressed: { ...deflateParts([{ zeros: GiB }]), size: 1024 } }]);
    const { err, ms } = await measure(bomb);
    expect(err.code).toBe('DH_ERR_BAD_ARCHIVE');
    expect(err.message).toContain('expected 1024');
    expect(ms).toBeLessThan(1000);
  });
});
