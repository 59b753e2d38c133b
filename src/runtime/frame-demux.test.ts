import { describe, expect, it } from 'vitest';
import { FrameDemuxer } from './frame-demux.ts';

function frame(kind: number, text: string): Buffer {
  const data = Buffer.from(text);
  const header = Buffer.alloc(8);
  header.writeUInt8(kind, 0);
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}

function texts(chunks: { stream: string; data: Buffer }[]): string[] {
  return chunks.map((c) => `${c.stream}:${c.data.toString()}`);
}

describe('FrameDemuxer', () => {
  it('splits several frames in one read into chunks in arrival order', () => {
    const demux = new FrameDemuxer();
    const bytes = Buffer.concat([frame(1, 'out1'), frame(2, 'err1'), frame(1, 'out2')]);
    expect(texts(demux.push(bytes))).toEqual(['stdout:out1', 'stderr:err1', 'stdout:out2']);
    expect(demux.heldBytes).toBe(0);
  });

  it('reassembles a frame cut inside its header and inside its payload', () => {
    const demux = new FrameDemuxer();
    const bytes = Buffer.concat([frame(2, 'hello world'), frame(1, 'x')]);
    const seen: string[] = [];
    for (let i = 0; i < bytes.length; i += 3) seen.push(...texts(demux.push(bytes.subarray(i, i + 3))));
    expect(seen).toEqual(['stderr:hello world', 'stdout:x']);
    expect(demux.heldBytes).toBe(0);
  });

  it('holds an incomplete frame until the rest arrives', () => {
    const demux = new FrameDemuxer();
    const bytes = frame(1, 'abcdef');
    expect(demux.push(bytes.subarray(0, 10))).toEqual([]);
    expect(demux.heldBytes).toBe(10);
    expect(texts(demux.push(bytes.subarray(10)))).toEqual(['stdout:abcdef']);
  });

  it('drops stdin and empty frames', () => {
    const demux = new FrameDemuxer();
    expect(texts(demux.push(Buffer.concat([frame(0, 'in'), frame(1, ''), frame(1, 'y')])))).toEqual(['stdout:y']);
  });

  it('returns chunks that do not share memory with the input buffer', () => {
    const demux = new FrameDemuxer();
    const bytes = frame(1, 'abc');
    const [chunk] = demux.push(bytes);
    bytes.fill(0);
    expect(chunk?.data.toString()).toBe('abc');
  });

  it('refuses a stream that is not multiplexed', () => {
    const demux = new FrameDemuxer();
    expect(() => demux.push(Buffer.from('plain text output'))).toThrow(/frame alignment/);
  });
});
