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
  'GET /v1/codes/{name}/download': 'The archive of a revision (.tar.gz).',
  'POST /v1/tasks': 'Queue one task, or a batch `{tasks: [...]}` of up to 100.',
  'GET /v1/tasks': 'List tasks, newest first (`status`, `code`, `limit`, `before`).',
  'GET /v1/tasks/{id}': 'One task.',
  'GET /v1/tasks/{id}/wait': 'The task once it has finished, or as it is after `timeout` seconds.',
  'GET /v1/tasks/{id}/log': 'The task log as text; `?follow=1` streams it as server-sent events.',
  'POST /v1/tasks/{id}/cancel': 'Cancel a queued or running task.',
  'POST /v1/tasks/{id}/retry': 'Queue a finished task again as a new task.',
  'GET /v1/tasks/{id}/trace': 'The spans of the task\'s trace.',
  'POST /v1/tasks/{id}/progress': 'Report progress `{percent, msg}` for a running task.',
  'POST /v1/schedules': 'Create a schedule (cron with time zone, every N seconds, or once).',
  'GET /v1/schedules': 'List schedules.',
  'GET /v1/nodes': 'The worker nodes of the fleet and their load.',
  'POST /v1/projects': 'Create a project (admin token).',
};

const BODIES: Record<string, { contentType: string; schema: z.ZodType }> = {
  'POST /v1/tasks': { contentType: 'application/json', schema: z.union([TaskRequestSchema, TaskBatchSchema]) },
  'POST /v1/tasks/{id}/progress': { contentType: 'application/json', schema: ProgressSchema },
  'POST /v1/projects': { contentType: 'application/json', schema: ProjectRequestSchema },
  'POST /v1/codes': {
    contentType: 'multipart/form-data',
    schema: z.object({ data: CodeUploadSchema.describe('the package description, as a JSON text field'), file: z.string().describe('the archive: .tar.gz, .tar or .zip').optional() }),
  },
};

const PUBLIC = new Set(['/health', '/metrics', '/v1/openapi.json', '/v1/stacks']);

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

export function openApiDocument(routes: readonly RegisteredRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const { method, url } of routes) {
    const path = url.replace(/:([A-Za-z_]+)/g, '{$1}');
    if (!path.startsWith('/v1/') && !['/health', '/metrics'].includes(path)) continue;
    const key = `${method} ${path}`;
    const params = [...path.matchAll(/\{([A-Za-z_]+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const body = BODIES[key];
    paths[path] ??= {};
    paths[path][method.toLowerCase()] = {
      summary: SUMMARIES[key] ?? `${method} ${path}`,
      ...(params.length ? { parameters: params } : {}),
      ...(body ? { requestBody: { required: true, content: { [body.contentType]: { schema: jsonSchema(body.schema) } } } } : {}),
      ...(PUBLIC.has(path) ? { security: [] } : {}),
      responses: {
        '200': { description: 'Success (201 for creations).' },
        default: { description: 'An error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Dockhand', version, description: 'The native Dockhand API. IronWorker API v2 is served under /2 (see docs/ironworker.md).' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
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
