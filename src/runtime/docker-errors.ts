/**
 * Turns dockerode's errors into DhErrors that say which operation failed on which container or image,
 * with the engine's HTTP status and message kept in the details. Also the small predicates the
 * adapter uses to tell "already gone" from a real failure.
 *
 *   try { await container.start(); } catch (err) { throw dockerError(err, { op: 'start', container: name }); }
 */
import { DhError, type ErrorCode } from '../core/errors.ts';

export interface DockerContext {
  /** The engine operation, e.g. `create`, `start`, `remove`. */
  op: string;
  container?: string;
  /** The engine's container id, when the container exists. */
  id?: string;
  image?: string;
}

/** The fields dockerode puts on its errors; all optional because sockets fail differently. */
interface DockerodeErrorShape {
  statusCode?: number;
  reason?: string;
  json?: unknown;
  code?: string;
  message?: string;
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

export function statusOf(err: unknown): number | undefined {
  return shape(err).statusCode;
}

/** The engine's own message (`json.message`), else the error's. */
export function engineMessage(err: unknown): string {
  const { json, message } = shape(err);
  if (typeof json === 'object' && json !== null && 'message' in json && typeof json.message === 'string') return json.message;
  if (typeof json === 'string' && json.trim() !== '') return json.trim();
  return message ?? String(err);
}

export function isNotFound(err: unknown): boolean {
  return statusOf(err) === 404;
}

/** A kill of a container that already stopped: the engine answers 409 (or 500 on some versions). */
export function isNotRunning(err: unknown): boolean {
  const status = statusOf(err);
  return (status === 409 || status === 500) && /is not running|not running/i.test(engineMessage(err));
}

/** Removal races with the engine's own cleanup; these answers mean "try again shortly". */
export function isRemovalBusy(err: unknown): boolean {
  return /removal of container .* is already in progress|removal in progress|device or resource busy/i.test(engineMessage(err));
}

export function isEngineUnreachable(err: unknown): boolean {
  const { code, statusCode } = shape(err);
  return statusCode === undefined && code !== undefined && UNREACHABLE_CODES.has(code);
}

/**
 * Errors a dockerd gives while it stops or right after it starts again (its network store or
 * containerd not ready yet, or its gRPC link to containerd closing): the engine's failure, not the
 * request's. Matched on the engine's message.
 */
const ENGINE_TRANSIENT = /failed to update store for object type|daemon is shutting down|containerd is not running|connection error: desc = "transport: Error while dialing|transport is closing/i;

export function isEngineTransient(err: unknown): boolean {
  const message = [engineMessage(err), (err as { details?: { engine?: unknown } }).details?.engine, (err as { message?: unknown }).message]
    .filter((m): m is string => typeof m === 'string').join(' ');
  return ENGINE_TRANSIENT.test(message);
}

export function dockerError(err: unknown, ctx: DockerContext): DhError {
  if (err instanceof DhError) return err;
  const status = statusOf(err);
  const detail = engineMessage(err);
  const subject = describe(ctx);
  const details = { op: ctx.op, container: ctx.container, id: ctx.id, image: ctx.image, status, engine: detail };

  if (isEngineUnreachable(err)) {
    return new DhError('DH_ERR_DOCKER_UNAVAILABLE', `The Docker engine did not answer ${ctx.op}${subject} (${shape(err).code}): start dockerd or set DOCKER_HOST.`, details);
  }
  let code: ErrorCode = 'DH_ERR_INTERNAL';
  if (status === 409 && ctx.op === 'create') code = 'DH_ERR_CONFLICT';
  else if (status === 404 && ctx.op === 'create' && /no such image/i.test(detail)) code = 'DH_ERR_IMAGE_NOT_FOUND';
  const statusText = status === undefined ? '' : ` HTTP ${status}`;
  return new DhError(code, `Docker ${ctx.op}${subject} failed:${statusText} ${detail}`, details);
}

function describe(ctx: DockerContext): string {
  const parts: string[] = [];
  if (ctx.container !== undefined) parts.push(`container ${ctx.container}`);
  if (ctx.image !== undefined) parts.push(`image ${ctx.image}`);
  return parts.length === 0 ? '' : ` of ${parts.join(', ')}`;
}

function shape(err: unknown): DockerodeErrorShape {
  return typeof err === 'object' && err !== null ? (err) : { message: String(err) };
}
