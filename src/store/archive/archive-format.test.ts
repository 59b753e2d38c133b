import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { detectArchiveFormat, sniffArchive } from './archive-format.ts';

function v7TarHeader(): Buffer {
  const block = Buffer.alloc(512);
  block.write('old.txt', 0);
  block.write('0000644\0', 100);
  block.write('00000000001\0', 124);
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return block;
}

describe('detectArchiveFormat', () => {
  test('tells gzip, zip (also empty) and ustar tar by their magic bytes', () => {
    expect(detectArchiveFormat(gzipSync('x'))).toBe('tar.gz');
    expect(detectArchiveFormat(Buffer.from('PK\u0003\u0004rest', 'latin1'))).toBe('zip');
    expect(detectArchiveFormat(Buffer.from('PK\u0005\u0006', 'latin1'))).toBe('zip');
    const ustar = Buffer.alloc(512);
    ustar.write('ustar', 257);
    expect(detectArchiveFormat(ustar)).toBe('tar');
  });

  test('tells a pre-POSIX tar by its header checksum, and not an all-zero block', () => {
    expect(detectArchiveFormat(v7TarHeader())).toBe('tar');
    expect(detectArchiveFormat(Buffer.alloc(512))).toBeNull();
  });

  test('names compressions it does not read, and returns null for anything else', () => {
    expect(detectArchiveFormat(Buffer.from('BZh9'))).toEqual({ unsupported: 'bzip2' });
    expect(detectArchiveFormat(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))).toEqual({ unsupported: 'xz' });
    expect(detectArchiveFormat(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))).toEqual({ unsupported: 'zstd' });
    expect(detectArchiveFormat(Buffer.from('hello world'))).toBeNull();
  });
});

describe('sniffArchive', () => {
  test('hands back a stream that still starts at byte 0, across small chunks', async () => {
    const bytes = Buffer.from(Array.from({ length: 2000 }, (_, i) => i % 256));
    const chunks = Array.from({ length: 20 }, (_, i) => bytes.subarray(i * 100, i * 100 + 100));
    const { head, stream } = await sniffArchive(Readable.from(chunks));
    expect(head).toEqual(bytes.subarray(0, 512));
    const replayed: Buffer[] = [];
    for await (const chunk of stream) replayed.push(chunk as Buffer);
    expect(Buffer.concat(replayed)).toEqual(bytes);
  });

  test('copes with uploads shorter than the sniff window', async () => {
    const { head, stream } = await sniffArchive(Readable.from([Buffer.from('tiny')]));
    expect(head.toString()).toBe('tiny');
    const replayed: Buffer[] = [];
    for await (const chunk of stream) replayed.push(chunk as Buffer);
    expect(Buffer.concat(replayed).toString()).toBe('tiny');
  });
});
