import { describe, expect, it } from 'vitest';
import { isDhError } from '../errors.ts';
import { checkScheduleRequest, parseScheduleRequest } from './schedule-request.ts';

const now = new Date('2026-05-05T10:00:00Z');

describe('parseScheduleRequest', () => {
  it('takes the INTERFACE body: task options plus timing', () => {
    const { request, definition } = parseScheduleRequest(
      { code_name: 'report', cron: '0 2 * * *', timezone: 'europe/berlin', payload: { a: 1 }, priority: 2, timeout: 60, cluster: 'eu', label: 'nightly', overlap: 'skip', missed: 'catch-up:3', name: 'nightly' },
      { now },
    );
    expect(request).toMatchObject({ code_name: 'report', payload: { a: 1 }, priority: 2, timeout: 60, cluster: 'eu', label: 'nightly', name: 'nightly' });
    expect(definition).toMatchObject({ kind: 'cron', timezone: 'Europe/Berlin', overlap: 'skip', missed: { kind: 'catch-up', max: 3 } });
  });

  it('maps IronWorker fields: run_every from now, start_at alone as a one-off, end_at and run_times as bounds', () => {
    expect(parseScheduleRequest({ code_name: 'ping', run_every: 60, run_times: 3, end_at: '2026-06-01T00:00:00Z' }, { now }).definition).toMatchObject({
      kind: 'every',
      runEverySeconds: 60,
      startAt: now,
      runTimes: 3,
      endAt: new Date('2026-06-01T00:00:00Z'),
    });
    expect(parseScheduleRequest({ code_name: 'ping', start_at: '2026-05-06T09:00:00Z' }, { now }).definition.kind).toBe('once');
  });

  it('enforces the run_every floor it is given', () => {
    expect(() => parseScheduleRequest({ code_name: 'ping', run_every: 30 }, { now, minRunEvery: 60 })).toThrow(/run_every: must be at least 60 seconds, got 30/);
    expect(parseScheduleRequest({ code_name: 'ping', run_every: 30 }, { now, minRunEvery: 10 }).definition.kind).toBe('every');
  });

  it('reports every bad field at once, with its path, as DH_ERR_VALIDATION', () => {
    try {
      parseScheduleRequest({ code_name: '../x', cron: '0 0 31 2 *', timezone: 'Nowhere/City', priority: 5, overlap: 'maybe', colour: 'red' }, { now });
      expect.unreachable();
    } catch (err) {
      expect(isDhError(err) && err.code).toBe('DH_ERR_VALIDATION');
      const paths = ((err as { details: { issues: { path: string }[] } }).details.issues).map((i) => i.path).sort();
      expect(paths).toEqual(['code_name', 'colour', 'cron', 'overlap', 'priority', 'timezone']);
    }
  });

  it('still reports the rules between fields once each field is fine on its own', () => {
    const result = checkScheduleRequest({ code_name: 'x', every: 300, cron: '@daily' }, { now });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues).toEqual([{ path: 'cron', message: 'give only one of cron, every (run_every) or at' }]);
  });
});
