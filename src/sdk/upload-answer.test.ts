import { describe, expect, it } from 'vitest';
import { DockhandApiError } from './http.ts';
import { readUploadAnswer } from './upload-answer.ts';

function ndjson(lines: string[], chunkSize = 7): Response {
  const text = lines.map((line) => `${line}\n`).join('');
  const bytes = new TextEncoder().encode(text);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      // Split mid-line, as a network would.
      for (let i = 0; i < bytes.length; i += chunkSize) controller.enqueue(bytes.slice(i, i + chunkSize));
      controller.close();
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'application/x-ndjson' } });
}

describe('readUploadAnswer', () => {
  it('hands each build log line over and resolves with the revision', async () => {
    const lines: string[] = [];
    const revision = await readUploadAnswer(ndjson([
      JSON.stringify({ event: 'log', line: '$ npm ci' }),
      JSON.stringify({ event: 'heartbeat' }),
      JSON.stringify({ event: 'log', line: 'added 1 package' }),
      JSON.stringify({ event: 'revision', revision: { name: 'hello', rev: 3 } }),
    ]), (line) => lines.push(line));
    expect(lines).toEqual(['$ npm ci', 'added 1 package']);
    expect(revision).toMatchObject({ name: 'hello', rev: 3 });
  });

  it('rejects with the error event as a DockhandApiError', async () => {
    const answer = readUploadAnswer(ndjson([
      JSON.stringify({ event: 'log', line: 'npm ERR! 404' }),
      JSON.stringify({ event: 'error', status: 400, error: { code: 'DH_ERR_CODE_BUILD_FAILED', message: 'The dependency build failed.' } }),
    ]));
    await expect(answer).rejects.toBeInstanceOf(DockhandApiError);
    await expect(answer).rejects.toMatchObject({ status: 400, code: 'DH_ERR_CODE_BUILD_FAILED' });
  });

  it('says so when the stream ends without a revision or an error', async () => {
    await expect(readUploadAnswer(ndjson([JSON.stringify({ event: 'log', line: 'x' })]))).rejects.toMatchObject({ message: expect.stringContaining('dockhand code show') });
  });

  it('reads a plain JSON revision from a server that does not stream', async () => {
    const response = new Response(JSON.stringify({ name: 'hello', rev: 1 }), { status: 201, headers: { 'content-type': 'application/json' } });
    expect(await readUploadAnswer(response)).toMatchObject({ name: 'hello', rev: 1 });
  });
});
