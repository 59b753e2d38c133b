/**
 * Which archive format an upload is, told by its first bytes rather than by its name or content type.
 *
 *   detectArchiveFormat(firstBytes) // 'tar.gz' | 'tar' | 'zip' | { unsupported: 'bzip2' } | null
 *
 * `sniffArchive` reads just enough of a stream to decide and hands back a stream that still starts
 * at byte 0.
 */
import { Readable } from 'node:stream';

export type ArchiveFormat = 'tar' | 'tar.gz' | 'zip';
/** What a caller may declare: a format, or 'auto' to go by the bytes. */
export type DeclaredArchiveFormat = ArchiveFormat | 'auto';

/** Bytes `detectArchiveFormat` wants to see: one tar header block. */
export const SNIFF_BYTES = 512;

const OTHER_FORMATS: [string, number[]][] = [
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['7z', [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]],
  ['rar', [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07]],
];

export function detectArchiveFormat(head: Buffer): ArchiveFormat | { unsupported: string } | null {
  if (startsWith(head, [0x1f, 0x8b])) return 'tar.gz';
  // Local file header, or the end-of-central-directory record of an empty zip, or a spanned-archive marker.
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06]) || startsWith(head, [0x50, 0x4b, 0x07, 0x08])) {
    return 'zip';
  }
  if (head.length >= 262 && head.toString('latin1', 257, 262) === 'ustar') return 'tar';
  if (head.length >= 512 && hasValidTarChecksum(head)) return 'tar'; // pre-POSIX (v7) tar: no magic, only a checksum
  for (const [name, magic] of OTHER_FORMATS) if (startsWith(head, magic)) return { unsupported: name };
  return null;
}

function startsWith(head: Buffer, magic: number[]): boolean {
  return head.length >= magic.length && magic.every((byte, i) => head[i] === byte);
}

/** The tar header checksum: the byte sum of the block with its checksum field read as spaces. */
function hasValidTarChecksum(block: Buffer): boolean {
  const stored = Number.parseInt(block.toString('latin1', 148, 156).replace(/[\0 ]+$/, '').trim(), 8);
  if (!Number.isFinite(stored)) return false;
  let sum = 8 * 0x20;
  for (let i = 0; i < 512; i++) if (i < 148 || i >= 156) sum += block[i] as number;
  return sum === stored && sum !== 8 * 0x20;
}

/**
 * Reads up to SNIFF_BYTES from `input` and returns them with a stream that replays them and then the
 * rest of `input`. Destroying the returned stream destroys `input`.
 */
/**
 * Buffers between the upload and the inflater hold this much each. Pinned rather than left to Node's
 * default (16 KiB up to Node 20, 64 KiB since 22), so how far a refused bomb is read ahead is the same
 * on every supported Node.
 */
export const ARCHIVE_STREAM_HIGH_WATER_MARK = 16 * 1024;

export async function sniffArchive(input: Readable): Promise<{ head: Buffer; stream: Readable }> {
  const iterator = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const chunks: Buffer[] = [];
  let length = 0;
  let ended = false;
  while (length < SNIFF_BYTES) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    chunks.push(chunk);
    length += chunk.length;
  }
  const head = Buffer.concat(chunks);
  async function* replay(): AsyncGenerator<Buffer> {
    try {
      if (head.length > 0) yield head;
      if (ended) return;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
      }
    } finally {
      await iterator.return?.();
    }
  }
  const stream = Readable.from(replay(), { objectMode: false, highWaterMark: ARCHIVE_STREAM_HIGH_WATER_MARK });
  // Torn down while the replay waits for bytes that may never come (a refused upload whose client is
  // still sending), the generator could not reach its `finally`: since Node 22 that destroy waits for it,
  // and would wait forever. Destroying the input ends the wait; the caller's own stream is not this one.
  const destroyReplay = stream._destroy.bind(stream);
  stream._destroy = (err, callback) => {
    input.destroy();
    destroyReplay(err, callback);
  };
  return { head: head.subarray(0, SNIFF_BYTES), stream };
}
