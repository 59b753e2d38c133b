/**
 * An upload whose progress streams back: when the client sends `Accept: application/x-ndjson`, the
 * answer to `POST /v1/codes` is 200 with one JSON object per line while the package is prepared (its
 * dependency build can take minutes), ending with the revision or the error:
 *
 *   {"event":"log","line":"$ npm ci --omit=dev"}
 *   {"event":"heartbeat"}                                   (every 10 s of silence, for proxies)
 *   {"event":"revision","revision":{...}}                   the upload succeeded (status 201 otherwise)
 *   {"event":"error","status":400,"error":{"code","message","details"?}}
 *
 * Clients that do not ask get the plain 201 answer (or the error status) once all is done.
 */
import { PassThrough } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CodeRevision } from '../core/model.ts';
import { DhError, isDhError } from '../core/errors.ts';
import { storageFull } from './errors.ts';

export const PROGRESS_MEDIA_TYPE = 'application/x-ndjson';
const HEARTBEAT_MS = 10_000;

export function wantsProgress(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes(PROGRESS_MEDIA_TYPE);
}

export type ProgressEvent =
  | { event: 'log'; line: string }
  | { event: 'heartbeat' }
  | { event: 'revision'; revision: CodeRevision }
  | { event: 'error'; status: number; error: { code: string; message: string; details?: unknown } };

/** Starts the streamed answer and runs `work`, which reports log lines through its argument. */
export function streamUpload(reply: FastifyReply, work: (onLog: (line: string) => void) => Promise<CodeRevision>, present: (revision: CodeRevision) => unknown = (r) => r): FastifyReply {
  const body = new PassThrough();
  const send = (event: ProgressEvent | { event: 'revision'; revision: unknown }): void => {
    if (!body.writableEnded) body.write(`${JSON.stringify(event)}\n`);
  };
  let quietSince = Date.now();
  const heartbeat = setInterval(() => {
    if (Date.now() - quietSince >= HEARTBEAT_MS) send({ event: 'heartbeat' });
  }, HEARTBEAT_MS);
  void (async () => {
    try {
      const revision = await work((line) => {
        quietSince = Date.now();
        send({ event: 'log', line });
      });
      send({ event: 'revision', revision: present(revision) });
    } catch (err) {
      const full = isDhError(err) ? undefined : storageFull(err);
      const error = isDhError(err) ? err : (full ?? new DhError('DH_ERR_INTERNAL', 'The upload failed inside Dockhand; the server log has the details.'));
      if (!isDhError(err) && !full) reply.log.error({ err }, 'upload failed');
      send({ event: 'error', status: error.status, error: error.toJSON() });
    } finally {
      clearInterval(heartbeat);
      body.end();
    }
  })();
  return reply.status(200).header('content-type', PROGRESS_MEDIA_TYPE).header('cache-control', 'no-store').send(body);
}
