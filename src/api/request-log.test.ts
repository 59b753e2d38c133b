import { describe, expect, it } from 'vitest';
import { redactUrl } from './request-log.ts';

describe('redactUrl', () => {
  it('censors a token sent in the query, keeping the other parameters', () => {
    expect(redactUrl('/2/projects/p/tasks?oauth=abc123&limit=5')).toBe('/2/projects/p/tasks?oauth=%5Bredacted%5D&limit=5');
    expect(redactUrl('/v1/tasks?access_token=t')).toBe('/v1/tasks?access_token=%5Bredacted%5D');
  });

  it('leaves URLs without secrets exactly as they were', () => {
    expect(redactUrl('/v1/tasks?status=queued,error&limit=5')).toBe('/v1/tasks?status=queued,error&limit=5');
    expect(redactUrl('/v1/tasks')).toBe('/v1/tasks');
  });
});
