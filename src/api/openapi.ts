/**
 * The OpenAPI 3.1 document of the API, built from the routes actually registered (so it cannot list a
 * route that does not exist or miss one that does) and from the same zod schemas that parse request
 * bodies. Served at GET /v1/openapi.json; `npm run openapi` writes it to docs/openapi.json.
 *
 *   const routes = collectRoutes(app);   // before the routes are registered
 *   ... register routes ...
 *   openApiDocument(routes, version)
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CodeUploadSchema } from '../core/schemas/code-upload.ts';
import { ProgressSchema } from '../core/schemas/progress.ts';
import { ProjectRequestSchema } from '../core/schemas/project-request.ts';
import { TaskBatchSchema, TaskRequestSchema } from '../core/schemas/task-request.ts';
import { operationId } from './operation-id.ts';
import { TaskSelectionSchema } from '../core/schemas/task-selection.ts';
import { SignInRedeemSchema, TokenRequestSchema } from '../core/schemas/token-request.ts';

export interface RegisteredRoute {
  method: string;
  url: string;
}

const SUMMARIES: Record<string, string> = {
  'GET /health': 'Readiness: 200 once Redis (and, in a worker, Docker) answer.',
  'GET /metrics': 'Prometheus metrics.',
  'GET /v1/openapi.json': 'This document.',
  'GET /v1/stacks': 'The stack catalogue.',
  'POST /v1/codes': 'Upload a code package revision (multipart: `data` JSON and `file` archive). A package with dependencies is built first; with `Accept: application/x-ndjson` the answer streams the build log as `{"event":"log","line"}` lines and ends with `{"event":"revision"}` or `{"event":"error","status","error"}`.',
  'GET /v1/codes': 'List code packages (current revisions).',
  'GET /v1/codes/{name}': 'The current revision of a code package.',
  'DELETE /v1/codes/{name}': 'Delete a code package and its revisions.',
  'GET /v1/codes/{name}/revisions': 'Every revision of a code package, newest first.',
  'POST /v1/codes/{name}/revisions/{rev}/restore': 'Make an earlier revision current again, as a new revision copying it (nothing is rebuilt).',
  'GET /v1/codes/{name}/download': 'The archive of a revision (.tar.gz).',
  'POST /v1/tasks': 'Queue one task, or a batch `{tasks: [...]}` of up to 100.',
  'GET /v1/tasks': 'List tasks, newest first (`status`, `code`, `cluster`, `from`, `to` in ms, `limit`; `before_id`: the id of the last task seen, for the next page, which continues strictly after it; `before`: only tasks created strictly before this ms).',
  'POST /v1/tasks/cancel': 'Cancel a selection of tasks (ids, or a list filter), at most 500; answers which were cancelled and which skipped, and why.',
  'POST /v1/tasks/retry': 'Retry a selection of finished tasks (ids, or a list filter), at most 500; answers the new tasks\' ids and which were skipped, and why.',
  'GET /v1/overview': 'Per minute of the last `minutes` (default 60): tasks finished by outcome, queue depth, and waits from queued to first start.',
  'POST /v1/tokens': 'Create another token of this project (`read_only: true` for one that may only list and read); shown once.',
  'GET /v1/tokens/current': 'The project this token opens and whether it is read-only.',
  'POST /v1/sign-in-links': 'A one-time dashboard sign-in link (valid a minute) for this project, with this token\'s access.',
  'POST /v1/sign-in-links/redeem': 'Exchange a sign-in link\'s code, once, for a token that expires in 12 hours (no token needed).',
  'GET /v1/tasks/{id}': 'One task.',
  'GET /v1/tasks/{id}/wait': 'The task once it has finished, or as it is after `timeout` seconds.',
  'GET /v1/tasks/{id}/log': 'The task log as text; `?follow=1` streams it as server-sent events.',
  'POST /v1/tasks/{id}/cancel': 'Cancel a queued or running task.',
  'POST /v1/tasks/{id}/retry': 'Queue a finished task again as a new task.',
  'GET /v1/tasks/{id}/trace': 'The spans of the task\'s trace.',
  'POST /v1/tasks/{id}/progress': 'Report progress `{percent, msg}` for a running task.',
  'POST /v1/schedules': 'Create a schedule (cron with time zone, every N seconds, or once).',
  'GET /v1/schedules': 'List schedules.',
  'GET /v1/cron/next': 'The next firings (`n`, default 5, at most 50) of a cron expression `cron` in the zone `tz` (default UTC), each as an instant and the wall clock in the zone.',
  'GET /v1/nodes': 'The worker nodes of the fleet and their load.',
  'POST /v1/projects': 'Create a project (admin token).',
};

const BODIES: Record<string, { contentType: string; schema: z.ZodType }> = {
  'POST /v1/tasks': { contentType: 'application/json', schema: z.union([TaskRequestSchema, TaskBatchSchema]) },
  'POST /v1/tasks/{id}/progress': { contentType: 'application/json', schema: ProgressSchema },
  'POST /v1/projects': { contentType: 'application/json', schema: ProjectRequestSchema },
  'POST /v1/tasks/cancel': { contentType: 'application/json', schema: TaskSelectionSchema },
  'POST /v1/tasks/retry': { contentType: 'application/json', schema: TaskSelectionSchema },
  'POST /v1/tokens': { contentType: 'application/json', schema: TokenRequestSchema },
  'POST /v1/sign-in-links/redeem': { contentType: 'application/json', schema: SignInRedeemSchema },
  'POST /v1/codes': {
    contentType: 'multipart/form-data',
    schema: z.object({ data: CodeUploadSchema.describe('the package description, as a JSON text field'), file: z.string().describe('the archive: .tar.gz, .tar or .zip').optional() }),
  },
};

const PUBLIC = new Set(['/health', '/metrics', '/v1/openapi.json', '/v1/stacks', '/v1/sign-in-links/redeem']);

/** Records every route as it is registered; call before registering routes. */
export function collectRoutes(app: FastifyInstance): RegisteredRoute[] {
  const routes: RegisteredRoute[] = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) if (method !== 'HEAD') routes.push({ method, url: route.url });
  });
  return routes;
}

function jsonSchema(schema: z.ZodType): unknown {
  // Bodies parsed through transforms have no exact JSON Schema; describe what can be described.
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
}

/** The error answers a route may give, each a reference to components.responses (all bodies are the Error schema). */
const ERROR_RESPONSES = {
  BadRequest: { status: '400', description: 'The request is invalid (DH_ERR_VALIDATION and kin): the message names the field and what to fix.' },
  Unauthorized: { status: '401', description: 'No token, or one no project has (DH_ERR_UNAUTHORIZED).' },
  NotFound: { status: '404', description: 'No such task, code package, schedule, node or revision in this project.' },
  PayloadTooLarge: { status: '413', description: 'The body is over its cap (DOCKHAND_PAYLOAD_MAX_BYTES, DOCKHAND_ARCHIVE_MAX_BYTES...).' },
  TooManyRequests: { status: '429', description: 'The token made more requests than DOCKHAND_RATE_LIMIT in the window; retry after Retry-After.' },
} as const;

type ErrorResponse = keyof typeof ERROR_RESPONSES;

/** Which error answers a route documents: by whether it needs a token, names a resource, and takes a body. */
function errorResponsesOf(method: string, path: string, secured: boolean): ErrorResponse[] {
  // A tokenless route that takes a body (redeeming a sign-in link) still refuses a malformed one.
  if (!secured) return method === 'POST' || method === 'PUT' ? ['BadRequest'] : [];
  const answers: ErrorResponse[] = ['BadRequest', 'Unauthorized'];
  if (path.includes('{')) answers.push('NotFound');
  if (method === 'POST' || method === 'PUT') answers.push('PayloadTooLarge');
  answers.push('TooManyRequests');
  return answers;
}

function errorResponseRefs(answers: readonly ErrorResponse[]): Record<string, unknown> {
  return Object.fromEntries(answers.map((name) => [ERROR_RESPONSES[name].status, { $ref: `#/components/responses/${name}` }]));
}

/** `serverUrl`: where the document was fetched from, so generated clients call that server by default. */
export function openApiDocument(routes: readonly RegisteredRoute[], version: string, serverUrl?: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const { method, url } of routes) {
    const path = url.replace(/:([A-Za-z_]+)/g, '{$1}');
    if (!path.startsWith('/v1/') && !['/health', '/metrics'].includes(path)) continue;
    const key = `${method} ${path}`;
    const params = [...path.matchAll(/\{([A-Za-z_]+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const body = BODIES[key];
    const secured = !PUBLIC.has(path);
    paths[path] ??= {};
    paths[path][method.toLowerCase()] = {
      operationId: operationId(method, path),
      summary: SUMMARIES[key] ?? `${method} ${path}`,
      ...(params.length ? { parameters: params } : {}),
      ...(body ? { requestBody: { required: true, content: { [body.contentType]: { schema: jsonSchema(body.schema) } } } } : {}),
      ...(secured ? {} : { security: [] }),
      responses: {
        '200': { description: 'Success (201 for creations).' },
        ...errorResponseRefs(errorResponsesOf(method, path, secured)),
        default: { description: 'An error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Dockhand',
      version,
      description: 'The native Dockhand API. IronWorker API v2 is served under /2 (see docs/ironworker.md).',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: serverUrl ?? 'http://localhost:8080', description: serverUrl ? 'the server that served this document' : 'a server started with the defaults' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      responses: Object.fromEntries(
        Object.entries(ERROR_RESPONSES).map(([name, { description }]) => [name, { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }]),
      ),
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string', description: 'a DH_ERR_* code, see docs/errors.md' }, message: { type: 'string' }, details: {} } } },
        },
      },
    },
    security: [{ bearer: [] }],
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
  };
}
