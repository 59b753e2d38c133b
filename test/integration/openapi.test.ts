/**
 * The OpenAPI document describes exactly the routes the API serves, with the request bodies of the
 * zod schemas that parse them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type TestFleet } from '../helpers/fleet.ts';

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
});
