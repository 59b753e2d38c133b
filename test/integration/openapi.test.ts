/**
 * The OpenAPI document describes exactly the routes the API serves, with the request bodies of the
 * zod schemas that parse them; it passes Redocly's recommended rules, and openapi-typescript turns it
 * into types a client compiles against.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type TestFleet } from '../helpers/fleet.ts';

interface Operation {
  operationId?: string;
  security?: unknown[];
  responses: Record<string, { $ref?: string }>;
}

/** Routes that need no token and answer no client error: Redocly's "at least one 4XX" cannot apply. */
const PUBLIC_WITHOUT_CLIENT_ERRORS = ['/health', '/metrics', '/v1/openapi.json', '/v1/stacks'];

async function servedDocument(): Promise<{ text: string; doc: { servers: { url: string }[]; info: { license?: unknown }; paths: Record<string, Record<string, Operation>> } }> {
  const text = await (await fetch(`${fleet.url}/v1/openapi.json`)).text();
  return { text, doc: JSON.parse(text) as Awaited<ReturnType<typeof servedDocument>>['doc'] };
}

let fleet: TestFleet;

beforeAll(async () => {
  fleet = await startFleet({ worker: false });
});

afterAll(async () => {
  await fleet?.stop();
});

describe('GET /v1/openapi.json', () => {
  it('is public and lists every native route with its method', async () => {
    const response = await fetch(`${fleet.url}/v1/openapi.json`);
    expect(response.status).toBe(200);
    const doc = (await response.json()) as { openapi: string; paths: Record<string, Record<string, { summary: string; requestBody?: unknown; security?: unknown[] }>> };
    expect(doc.openapi).toBe('3.1.0');
    for (const [path, method] of [['/v1/tasks', 'post'], ['/v1/tasks', 'get'], ['/v1/tasks/{id}', 'get'], ['/v1/tasks/{id}/cancel', 'post'], ['/v1/codes', 'post'], ['/v1/schedules', 'post'], ['/v1/nodes', 'get'], ['/v1/tasks/{id}/trace', 'get'], ['/v1/tasks/cancel', 'post'], ['/v1/tasks/retry', 'post'], ['/v1/overview', 'get'], ['/v1/tokens', 'post'], ['/v1/tokens/current', 'get'], ['/v1/sign-in-links', 'post'], ['/v1/sign-in-links/redeem', 'post'], ['/v1/cron/next', 'get']]) {
      expect(doc.paths[path!]?.[method!], `${method} ${path}`).toBeDefined();
    }
    expect(doc.paths['/v1/tasks']!['post']!.requestBody).toMatchObject({ content: { 'application/json': { schema: expect.any(Object) } } });
    expect(doc.paths['/health']!['get']!.security).toEqual([]);
    expect(doc.paths['/v1/sign-in-links/redeem']!['post']!.security).toEqual([]);
    expect(doc.paths['/v1/tasks/cancel']!['post']!.requestBody).toMatchObject({ content: { 'application/json': { schema: expect.any(Object) } } });
  });

  it('documents a request body that matches what the route accepts', async () => {
    const doc = (await (await fetch(`${fleet.url}/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, { requestBody: { content: Record<string, { schema: { anyOf: { properties: Record<string, unknown> }[] } }> } }>> };
    const single = doc.paths['/v1/tasks']!['post']!.requestBody.content['application/json']!.schema.anyOf[0]!;
    expect(Object.keys(single.properties)).toEqual(expect.arrayContaining(['code_name', 'payload', 'priority', 'timeout', 'delay', 'cluster', 'label']));
  });

  it('gives every operation a unique operationId and documents the client errors of every secured one', async () => {
    const { doc } = await servedDocument();
    const operations = Object.entries(doc.paths).flatMap(([route, methods]) => Object.entries(methods).map(([method, op]) => ({ route, method, op })));
    const ids = operations.map(({ op }) => op.operationId);
    expect(ids.filter((id) => typeof id !== 'string' || !/^[a-z][A-Za-z0-9]+$/.test(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { route, method, op } of operations) {
      if (op.security?.length === 0) continue;
      expect(op.responses['401'], `${method} ${route}`).toEqual({ $ref: '#/components/responses/Unauthorized' });
      expect(op.responses['400'], `${method} ${route}`).toEqual({ $ref: '#/components/responses/BadRequest' });
      if (route.includes('{')) expect(op.responses['404'], `${method} ${route}`).toEqual({ $ref: '#/components/responses/NotFound' });
    }
    expect(doc.servers).toEqual([{ url: fleet.url, description: expect.any(String) }]);
    expect(doc.info.license).toEqual({ name: 'Apache-2.0', identifier: 'Apache-2.0' });
  });

  it('passes Redocly\'s recommended rules', async () => {
    const { text } = await servedDocument();
    const problems = await lintFromString({ source: text, absoluteRef: 'openapi.json', config: await createConfig({ extends: ['recommended'] }) });
    const reported = problems.map((p) => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer ?? ''}: ${p.message}`);
    const expected = PUBLIC_WITHOUT_CLIENT_ERRORS.map((route) => `warn operation-4xx-response #/paths/${route.replace(/\//g, '~1')}/get/responses: Operation must have at least one \`4XX\` response.`);
    expect(reported.sort()).toEqual(expected.sort());
  });

  it('generates a typed client with openapi-typescript that compiles', async () => {
    const { doc } = await servedDocument();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-openapi-'));
    try {
      await writeFile(path.join(dir, 'api.d.ts'), astToString(await openapiTS(doc as never)));
      await writeFile(path.join(dir, 'client.ts'), `
        import type { operations, paths } from './api.js';
        type QueueBody = NonNullable<operations['queueTasks']['requestBody']>['content']['application/json'];
        export const body: QueueBody = { code_name: 'hello', priority: 2 };
        export type TaskPath = paths['/v1/tasks/{id}']['get']['parameters']['path'];
        export const params: TaskPath = { id: 'abc' };
        type NotFound = operations['getTask']['responses'][404]['content']['application/json'];
        export const missing: NotFound = { error: { code: 'DH_ERR_TASK_NOT_FOUND', message: 'no such task' } };
        // @ts-expect-error: code_name is required
        export const wrong: QueueBody = { priority: 1 };
      `);
      const program = ts.createProgram([path.join(dir, 'client.ts')], { strict: true, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, types: [] });
      const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      expect(diagnostics).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

