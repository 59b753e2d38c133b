import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { DhError } from '../core/errors.ts';
import { refuseWritesOfReadOnlyToken } from './auth.ts';
import { READING_POST_ROUTES } from './routes/tokens.ts';

const request = (method: string, readOnly: boolean): FastifyRequest => ({ method, readOnly }) as unknown as FastifyRequest;

describe('refuseWritesOfReadOnlyToken', () => {
  it('lets a read-only token read', () => {
    expect(() => refuseWritesOfReadOnlyToken(request('GET', true), '/v1/tasks', READING_POST_ROUTES)).not.toThrow();
    expect(() => refuseWritesOfReadOnlyToken(request('HEAD', true), '/2/projects/:project_id/tasks', READING_POST_ROUTES)).not.toThrow();
  });

  it('refuses it every other method with DH_ERR_READ_ONLY_TOKEN (403)', () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      let thrown: unknown;
      try {
        refuseWritesOfReadOnlyToken(request(method, true), '/v1/tasks/:id/cancel', READING_POST_ROUTES);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(DhError);
      expect((thrown as DhError).code).toBe('DH_ERR_READ_ONLY_TOKEN');
      expect((thrown as DhError).status).toBe(403);
    }
  });

  it('lets it make a sign-in link (which opens no more than it does) and leaves full tokens alone', () => {
    expect(() => refuseWritesOfReadOnlyToken(request('POST', true), '/v1/sign-in-links', READING_POST_ROUTES)).not.toThrow();
    expect(() => refuseWritesOfReadOnlyToken(request('DELETE', false), '/v1/codes/:name', READING_POST_ROUTES)).not.toThrow();
  });
});
