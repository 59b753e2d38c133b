/**
 * Splits Docker's multiplexed attach stream (Tty false) into stdout/stderr chunks, in arrival order.
 * Each frame is an 8-byte header (byte 0: stream 1=stdout 2=stderr, bytes 4-7: big-endian length)
 * followed by the payload; network reads may cut a frame or a header anywhere, so bytes are kept
 * until a frame is whole. Pure.
 *
 *   const demux = new FrameDemuxer();
 *   for await (const bytes of socket) for (const chunk of demux.push(bytes)) handle(chunk);
 */
import type { OutputChunk, OutputStream } from './port.ts';

const HEADER_BYTES = 8;

export class FrameDemuxer {
  private pending: Buffer = Buffer.alloc(0);

  /** Adds bytes from the socket; returns every frame they complete. */
  push(bytes: Buffer): OutputChunk[] {
    this.pending = this.pending.length === 0 ? bytes : Buffer.concat([this.pending, bytes]);
    const chunks: OutputChunk[] = [];
    let offset = 0;
    while (this.pending.length - offset >= HEADER_BYTES) {
      const stream = streamOf(this.pending, offset);
      const length = this.pending.readUInt32BE(offset + 4);
      if (this.pending.length - offset - HEADER_BYTES < length) break;
      const data = this.pending.subarray(offset + HEADER_BYTES, offset + HEADER_BYTES + length);
      offset += HEADER_BYTES + length;
      // Stream 0 (stdin echo) never carries output; empty frames carry nothing.
      if (stream !== undefined && length > 0) chunks.push({ stream, data: Buffer.from(data) });
    }
    this.pending = offset === this.pending.length ? Buffer.alloc(0) : this.pending.subarray(offset);
    return chunks;
  }

  /** Bytes of an incomplete frame still held, e.g. when the stream ended mid-frame. */
  get heldBytes(): number {
    return this.pending.length;
  }
}

function streamOf(bytes: Buffer, offset: number): OutputStream | undefined {
  const kind = bytes.readUInt8(offset);
  // Bytes 1-3 are always zero and byte 0 is 0-2; anything else means the stream is not multiplexed
  // or lost alignment: a bug either way, and guessing would mix task output with garbage.
  if (kind > 2 || bytes.readUIntBE(offset + 1, 3) !== 0) {
    throw new Error(`Docker attach stream is out of frame alignment (header ${bytes.subarray(offset, offset + HEADER_BYTES).toString('hex')}).`);
  }
  if (kind === 1) return 'stdout';
  if (kind === 2) return 'stderr';
  return undefined;
}
