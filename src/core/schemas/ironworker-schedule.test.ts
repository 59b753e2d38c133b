import { describe, expect, it } from 'vitest';
import { ironScheduleRequest } from './ironworker-schedule.ts';

const now = new Date('2026-03-01T10:00:00.000Z');

describe('IronWorker schedule requests', () => {
  it('passes IronWorker timing and task options on, numbers sent as strings included', () => {
    expect(ironScheduleRequest({ code_name: 'hello', payload: '{"a":1}', start_at: '2026-03-02T00:00:00Z', run_every: '3600', run_times: 5, end_at: '2026-04-01T00:00:00Z', priority: '2', timeout: 60, cluster: 'gpu', label: 'x', task_delay: 10 }, now)).toEqual({
      ok: true,
      value: { code_name: 'hello', payload: '{"a":1}', start_at: '2026-03-02T00:00:00Z', run_every: 3600, run_times: 5, end_at: '2026-04-01T00:00:00Z', priority: 2, timeout: 60, cluster: 'gpu', label: 'x' },
    });
  });

  it('runs a schedule without timing once, now', () => {
    expect(ironScheduleRequest({ code_name: 'hello' }, now)).toEqual({ ok: true, value: { code_name: 'hello', payload: '', start_at: now.toISOString() } });
  });

  it('passes an object payload as its JSON text and keeps Dockhand\'s cron extras', () => {
    expect(ironScheduleRequest({ code_name: 'h', payload: { a: 1 }, cron: '0 2 * * *', timezone: 'Europe/Berlin', overlap: 'skip' }, now)).toEqual({
      ok: true, value: { code_name: 'h', payload: '{"a":1}', cron: '0 2 * * *', timezone: 'Europe/Berlin', overlap: 'skip' },
    });
  });

  it('names a field of the wrong type', () => {
    expect(ironScheduleRequest({ code_name: 'h', run_every: 'hourly' }, now)).toMatchObject({ ok: false, field: 'run_every' });
    expect(ironScheduleRequest({ payload: 'x' }, now)).toMatchObject({ ok: false, field: 'code_name' });
  });
});
