import { describe, expect, it } from 'vitest';
import type { CodeRevision, Task } from '../core/model.ts';
import { MASK } from '../core/secrets.ts';
import { presentCode, presentTask } from './present.ts';

const task = { id: 't', payload: '{"user":"ann","password":"p"}', status: 'queued' } as unknown as Task;

describe('presentTask', () => {
  it('masks secret keys of the payload and leaves the stored task alone', () => {
    expect(JSON.parse(presentTask(task).payload)).toEqual({ user: 'ann', password: MASK });
    expect(task.payload).toBe('{"user":"ann","password":"p"}');
  });

  it('shows a plain-text payload as it is', () => {
    expect(presentTask({ ...task, payload: 'password=p' }).payload).toBe('password=p');
  });
});

describe('presentCode', () => {
  it('masks secret keys of the config and secret env vars', () => {
    const code = { name: 'c', env_vars: { API_TOKEN: 't', MODE: 'fast' }, config: '{"db":{"password":"p","host":"h"}}' } as unknown as CodeRevision;
    const shown = presentCode(code);
    expect(shown.env_vars).toEqual({ API_TOKEN: MASK, MODE: 'fast' });
    expect(JSON.parse(shown.config!)).toEqual({ db: { password: MASK, host: 'h' } });
    expect(code.env_vars['API_TOKEN']).toBe('t');
  });
});
