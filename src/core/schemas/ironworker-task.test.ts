import { describe, expect, it } from 'vitest';
import { epochOrDateMs, ironPaging, ironTaskFilter, ironTaskRequest } from './ironworker-task.ts';

describe('IronWorker task requests', () => {
  it('translates a task of POST /tasks into the native request, numbers sent as strings included', () => {
    const parsed = ironTaskRequest({ code_name: 'hello', payload: '{"n":1}', priority: '2', timeout: 60, delay: '5', cluster: 'gpu', label: 'l', sync: true });
    expect(parsed).toEqual({ ok: true, value: { code_name: 'hello', payload: '{"n":1}', priority: 2, timeout: 60, delay: 5, cluster: 'gpu', label: 'l' } });
  });

  it('passes a non-string payload as its JSON text and a missing one as empty', () => {
    expect(ironTaskRequest({ code_name: 'a', payload: { n: 1 } })).toMatchObject({ value: { payload: '{"n":1}' } });
    expect(ironTaskRequest({ code_name: 'a' })).toMatchObject({ value: { payload: '' } });
    expect(ironTaskRequest({ code_name: 'a', payload: 'x' }, 'raw body')).toMatchObject({ value: { payload: 'raw body' } });
  });

  it('names the field that breaks a rule', () => {
    expect(ironTaskRequest({ code_name: 'a', priority: 3 })).toMatchObject({ ok: false, field: 'priority' });
    expect(ironTaskRequest({ code_name: 'a', delay: 8 * 86_400 })).toMatchObject({ ok: false, field: 'delay' });
    expect(ironTaskRequest({ code_name: 'a', timeout: 'soon' })).toMatchObject({ ok: false, field: 'timeout' });
    expect(ironTaskRequest({ payload: 'x' })).toMatchObject({ ok: false, field: 'code_name' });
  });
});

describe('IronWorker paging', () => {
  it('starts at page 0 with 30 per page', () => {
    expect(ironPaging({})).toEqual({ ok: true, value: { page: 0, perPage: 30, offset: 0 } });
    expect(ironPaging({ page: '2', per_page: '10' })).toEqual({ ok: true, value: { page: 2, perPage: 10, offset: 20 } });
  });

  it('gives at most 100 per page and refuses pages past 100 or that are not whole numbers', () => {
    expect(ironPaging({ per_page: '500' })).toMatchObject({ value: { perPage: 100 } });
    expect(ironPaging({ page: '101' })).toMatchObject({ ok: false, field: 'page' });
    expect(ironPaging({ page: '-1' })).toMatchObject({ ok: false, field: 'page' });
    expect(ironPaging({ per_page: '0' })).toMatchObject({ ok: false, field: 'per_page' });
    expect(ironPaging({ per_page: 'ten' })).toMatchObject({ ok: false, field: 'per_page' });
  });
});

describe('IronWorker task filters', () => {
  it('ORs the status flags given as 1, and lists every status when none is given', () => {
    expect(ironTaskFilter({ error: '1', timeout: '1', complete: '0' })).toEqual({ ok: true, value: { statuses: ['error', 'timeout'] } });
    expect(ironTaskFilter({})).toEqual({ ok: true, value: {} });
  });

  it('makes killed a filter that nothing matches rather than no filter', () => {
    expect(ironTaskFilter({ killed: '1' })).toEqual({ ok: true, value: { statuses: [] } });
  });

  it('reads code, cluster, label and the creation window in epoch seconds', () => {
    expect(ironTaskFilter({ code_name: 'a', cluster: 'gpu', label: 'x', from_time: '1700000000', to_time: '1700000100' })).toEqual({
      ok: true, value: { codeName: 'a', cluster: 'gpu', label: 'x', from: 1_700_000_000_000, to: 1_700_000_100_000 },
    });
    expect(ironTaskFilter({ from_time: 'soon' })).toMatchObject({ ok: false, field: 'from_time' });
  });

  it('takes RFC 3339 times as well as epoch seconds', () => {
    expect(epochOrDateMs('2024-05-01T00:00:00Z')).toBe(Date.UTC(2024, 4, 1));
    expect(epochOrDateMs(12)).toBe(12_000);
    expect(epochOrDateMs('not a time')).toBeUndefined();
  });
});
