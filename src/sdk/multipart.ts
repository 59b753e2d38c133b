/**
 * A streaming multipart/form-data body: a JSON `data` field and an optional `file` field whose bytes
 * come from a stream, so an archive is never held whole in memory.
 */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';

export function multipartBody(data: unknown, file?: { stream: Readable; filename: string }): { contentType: string; body: AsyncIterable<Uint8Array> } {
  const boundary = `dockhand-${randomBytes(12).toString('hex')}`;
  async function* generate(): AsyncIterable<Uint8Array> {
    yield Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="data"\r\ncontent-type: application/json\r\n\r\n${JSON.stringify(data)}\r\n`);
    if (file) {
      yield Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${file.filename.replace(/"/g, '')}"\r\ncontent-type: application/octet-stream\r\n\r\n`);
      for await (const chunk of file.stream) yield chunk as Uint8Array;
      yield Buffer.from('\r\n');
    }
    yield Buffer.from(`--${boundary}--\r\n`);
  }
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: generate() };
}
