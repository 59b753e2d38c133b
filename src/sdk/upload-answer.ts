/**
 * Reads the answer to a code upload: the streamed form (one JSON event per line: build log lines, then
 * the revision or the error, see src/api/upload-progress.ts) or a plain JSON revision from a server
 * that does not stream.
 *
 *   const revision = await readUploadAnswer(response, (line) => console.error(line));
 */
import type { CodeRevision } from '../core/model.ts';
import { DockhandApiError } from './http.ts';

interface UploadEvent {
  event: string;
  line?: string;
  revision?: CodeRevision;
  status?: number;
  error?: { code?: string; message?: string; details?: unknown };
}

export async function readUploadAnswer(response: Response, onBuildLog?: (line: string) => void): Promise<CodeRevision> {
  if (!(response.headers.get('content-type') ?? '').includes('application/x-ndjson')) return (await response.json()) as CodeRevision;
  if (!response.body) throw new DockhandApiError(response.status, 'DH_ERR_UNKNOWN', 'The server ended the upload answer without a body.');
  let pending = '';
  const decoder = new TextDecoder();
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    pending += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (line === '') continue;
      const event = JSON.parse(line) as UploadEvent;
      if (event.event === 'log' && event.line !== undefined) onBuildLog?.(event.line);
      else if (event.event === 'revision' && event.revision) return event.revision;
      else if (event.event === 'error') {
        throw new DockhandApiError(event.status ?? 500, event.error?.code ?? 'DH_ERR_UNKNOWN', event.error?.message ?? 'The upload failed.', event.error?.details);
      }
    }
  }
  throw new DockhandApiError(response.status, 'DH_ERR_UNKNOWN', 'The server ended the upload answer before saying whether it succeeded; `dockhand code show` tells whether a revision was recorded.');
}
