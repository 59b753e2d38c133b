import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DhError } from '../core/errors.ts';
import { toDhError } from './errors.ts';

function fastifyError(code: string, statusCode: number, message = 'x'): Error {
  return Object.assign(new Error(message), { code, statusCode });
}

describe('toDhError', () => {
  it('passes DhErrors through and turns zod errors into validation errors with field paths', () => {
    const own = new DhError('DH_ERR_TASK_NOT_FOUND', 'No task.');
    expect(toDhError(own)).toBe(own);
    const parsed = z.object({ a: z.object({ b: z.number() }) }).safeParse({ a: { b: 'x' } });
    expect(toDhError(parsed.error)).toMatchObject({ code: 'DH_ERR_VALIDATION', details: [{ path: 'a.b' }] });
  });

  it('maps the request limits of Fastify and multipart to 413s', () => {
    expect(toDhError(fastifyError('FST_ERR_CTP_BODY_TOO_LARGE', 413)).code).toBe('DH_ERR_PAYLOAD_TOO_LARGE');
    expect(toDhError(fastifyError('FST_REQ_FILE_TOO_LARGE', 413)).code).toBe('DH_ERR_ARCHIVE_TOO_LARGE');
    expect(toDhError(fastifyError('FST_FILES_LIMIT', 413)).code).toBe('DH_ERR_PAYLOAD_TOO_LARGE');
  });

  it('maps malformed JSON, bad URLs and other client errors to 400s', () => {
    expect(toDhError(fastifyError('FST_ERR_CTP_INVALID_JSON_BODY', 400)).code).toBe('DH_ERR_BAD_JSON');
    expect(toDhError(fastifyError('FST_ERR_CTP_EMPTY_JSON_BODY', 400)).code).toBe('DH_ERR_BAD_JSON');
    expect(toDhError(fastifyError('FST_ERR_BAD_URL', 400)).code).toBe('DH_ERR_VALIDATION');
    expect(toDhError(fastifyError('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415)).status).toBe(400);
    expect(toDhError(fastifyError('FST_SOMETHING_NEW', 406, 'odd')).toJSON()).toEqual({ code: 'DH_ERR_VALIDATION', message: 'Bad request: odd.' });
  });

  it('answers a full disk or a Redis at maxmemory as 507 storage full, saying what to do', () => {
    const disk = toDhError(Object.assign(new Error('ENOSPC: no space left on device, copyfile'), { code: 'ENOSPC', errno: -28 }));
    expect(disk.code).toBe('DH_ERR_STORAGE_FULL');
    expect(disk.status).toBe(507);
    expect(disk.message).toContain('disk (code store or upload spool) is full');
    const redis = toDhError(new Error('OOM command not allowed when used memory > \'maxmemory\'.'));
    expect(redis.code).toBe('DH_ERR_STORAGE_FULL');
    expect(redis.message).toContain('maxmemory');
  });

  it('answers anything else as an internal error whose message reveals nothing', () => {
    const err = new TypeError("Cannot read properties of undefined (reading 'split') at /srv/dockhand/src/api/x.ts:12");
    expect(toDhError(err).toJSON()).toEqual({ code: 'DH_ERR_INTERNAL', message: 'Something failed inside Dockhand; the server log has the details.' });
  });
});
