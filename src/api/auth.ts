/**
 * Who is calling: the project comes from the token, never from a path parameter alone. Tokens arrive
 * as `Authorization: Bearer <t>`, `Authorization: OAuth <t>` (IronWorker clients) or `?oauth=<t>`.
 * The admin token (DOCKHAND_ADMIN_TOKEN) opens only the admin routes (creating projects); it is
 * compared by hash in constant time, like project tokens.
 *
 *   const project = await authenticate(request, ctx.projects);   // or throws DH_ERR_UNAUTHORIZED
 *   authenticateAdmin(request, ctx.settings.DOCKHAND_ADMIN_TOKEN);
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { DhError } from '../core/errors.ts';
import type { Project } from '../core/model.ts';
import type { ProjectStore } from '../store/ports.ts';

declare module 'fastify' {
  interface FastifyRequest {
    project?: Project;
    /** sha256 of the token that authenticated this request: what the rate limit counts by. */
    tokenHash?: string;
    /** True once the admin token was presented; set only by authenticateAdmin. */
    admin?: boolean;
    /** True when the token is a read-only one: it may list and read, nothing else. */
    readOnly?: boolean;
  }
}

export function presentedToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header) {
    const match = /^(Bearer|OAuth|Token)\s+(\S+)\s*$/i.exec(header);
    return match?.[2];
  }
  const query = request.query as Record<string, unknown> | undefined;
  const oauth = query?.['oauth'];
  return typeof oauth === 'string' && oauth !== '' ? oauth : undefined;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export async function authenticate(request: FastifyRequest, projects: ProjectStore): Promise<Project> {
  const token = presentedToken(request);
  if (!token) {
    throw new DhError('DH_ERR_UNAUTHORIZED', 'No token given: send the header "Authorization: Bearer <token>" (the token is in credentials.json, or from `dockhand projects create`).');
  }
  const grant = await projects.grantOf(token);
  if (!grant) throw new DhError('DH_ERR_UNAUTHORIZED', 'The token matches no project (or it expired): check DOCKHAND_TOKEN or credentials.json.');
  request.project = grant.project;
  request.readOnly = grant.readOnly;
  request.tokenHash = sha256Hex(token);
  return grant.project;
}

/** Methods that only read; every other method changes something. */
const READING_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses a read-only token on every route that changes something (any method but GET/HEAD), native and
 * IronWorker alike, except the few POST routes named in `readingPosts` that only hand out views.
 */
export function refuseWritesOfReadOnlyToken(request: FastifyRequest, route: string, readingPosts: ReadonlySet<string>): void {
  if (request.readOnly !== true || READING_METHODS.has(request.method) || readingPosts.has(route)) return;
  throw new DhError('DH_ERR_READ_ONLY_TOKEN', `This token is read-only: it may list and read, but not ${request.method} ${route}. Use a full project token (credentials.json, or \`dockhand projects token create\`).`, { method: request.method, route });
}

/**
 * Admits the admin token only. A project token is valid but not enough (403); no token or another
 * token is 401; a server without an admin token refuses every admin request (403) and says how to
 * create projects instead.
 */
export async function authenticateAdmin(request: FastifyRequest, adminToken: string | undefined, projects: ProjectStore): Promise<void> {
  const token = presentedToken(request);
  if (!token) throw new DhError('DH_ERR_UNAUTHORIZED', 'No token given: send the admin token as "Authorization: Bearer <DOCKHAND_ADMIN_TOKEN>".');
  if (adminToken !== undefined && sameToken(token, adminToken)) {
    request.tokenHash = sha256Hex(token);
    request.admin = true;
    return;
  }
  if (adminToken === undefined) {
    throw new DhError('DH_ERR_FORBIDDEN', 'This server has no admin token: set DOCKHAND_ADMIN_TOKEN on the server, or run `dockhand projects create NAME` on the server machine (it writes to Redis directly).');
  }
  if (await projects.byToken(token)) throw new DhError('DH_ERR_FORBIDDEN', 'A project token cannot create projects: use the admin token (DOCKHAND_ADMIN_TOKEN).');
  throw new DhError('DH_ERR_UNAUTHORIZED', 'The token is not the admin token: check DOCKHAND_ADMIN_TOKEN.');
}

/**
 * Admits the node token only (store/redis/node-token.ts): the routes worker nodes use to fetch what
 * they lack. A project token is valid but not enough (403).
 */
export async function authenticateNode(request: FastifyRequest, nodeToken: string, projects: ProjectStore): Promise<void> {
  const token = presentedToken(request);
  if (!token) throw new DhError('DH_ERR_UNAUTHORIZED', 'No token given: worker nodes send the node token (kept in Redis) as "Authorization: Bearer <token>".');
  if (sameToken(token, nodeToken)) {
    request.tokenHash = sha256Hex(token);
    return;
  }
  if (await projects.byToken(token)) throw new DhError('DH_ERR_FORBIDDEN', 'A project token cannot fetch archives by hash: this route is for worker nodes (node token).');
  throw new DhError('DH_ERR_UNAUTHORIZED', 'The token is not the node token.');
}

/** Constant-time comparison of two tokens, by their hashes so lengths never differ. */
function sameToken(presented: string, expected: string): boolean {
  return timingSafeEqual(Buffer.from(sha256Hex(presented), 'hex'), Buffer.from(sha256Hex(expected), 'hex'));
}

export function projectOf(request: FastifyRequest): Project {
  if (!request.project) throw new DhError('DH_ERR_UNAUTHORIZED', 'This route needs a token.');
  return request.project;
}
