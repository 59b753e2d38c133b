import { describe, expect, it } from 'vitest';
import { DhError } from '../errors.ts';
import { formatMissedPolicy, formatScheduleDefinition, parseMissedPolicy, parseScheduleDefinition } from './schema.ts';

function rejection(input: unknown, options = {}): DhError {
  try {
    parseScheduleDefinition(input, options);
  } catch (err) {
    if (err instanceof DhError) return err;
    throw err;
  }
  throw new Error('expected the schedule to be rejected');
}

const now = new Date('2026-05-05T10:00:00Z');

describe('parseScheduleDefinition', () => {
  it('reads a cron schedule with a zone, and fills the default policies', () => {
    const def = parseScheduleDefinition({ cron: '0 2 * * *', timezone: 'europe/berlin' });
    expect(def.kind).toBe('cron');
    if (def.kind !== 'cron') return;
    expect(def.expr.hours).toEqual([2]);
    expect(def.timezone).toBe('Europe/Berlin');
    expect(def.overlap).toBe('allow');
    expect(def.missed).toEqual({ kind: 'skip' });
  });

  it('defaults the cron time zone to UTC', () => {
    const def = parseScheduleDefinition({ cron: '@hourly' });
    expect(def.kind === 'cron' && def.timezone).toBe('UTC');
  });

  it('reads overlap and the three missed-run policies', () => {
    const read = (missed: unknown) => parseScheduleDefinition({ cron: '* * * * *', missed, overlap: 'skip' });
    expect(read('skip').missed).toEqual({ kind: 'skip' });
    expect(read('run-once').missed).toEqual({ kind: 'run-once' });
    expect(read('catch-up:3').missed).toEqual({ kind: 'catch-up', max: 3 });
    expect(read({ kind: 'catch-up', max: 7 }).missed).toEqual({ kind: 'catch-up', max: 7 });
    expect(read('skip').overlap).toBe('skip');
  });

  it('reads IronWorker run_every, starting at `now` when start_at is absent', () => {
    const def = parseScheduleDefinition({ run_every: 300, run_times: 4, end_at: '2026-06-01T00:00:00Z' }, { now });
    expect(def).toMatchObject({ kind: 'every', runEverySeconds: 300, startAt: now, runTimes: 4 });
    expect(def.endAt?.toISOString()).toBe('2026-06-01T00:00:00.000Z');
    const anchored = parseScheduleDefinition({ every: 60, start_at: '2026-05-05T12:00:00+02:00' }, { now });
    expect(anchored.kind === 'every' && anchored.startAt.toISOString()).toBe('2026-05-05T10:00:00.000Z');
  });

  it('reads a lone start_at as a one-off (IronWorker) and `at` as one too', () => {
    expect(parseScheduleDefinition({ start_at: '2026-05-05T09:00:00Z' })).toMatchObject({ kind: 'once', at: new Date('2026-05-05T09:00:00Z') });
    expect(parseScheduleDefinition({ at: new Date('2026-05-06T00:00:00Z') })).toMatchObject({ kind: 'once' });
  });

  it('ignores fields that belong to the rest of the request and treats null as absent', () => {
    const def = parseScheduleDefinition({ code_name: 'report', payload: { a: 1 }, cron: '0 2 * * *', end_at: null, missed: null });
    expect(def.endAt).toBeUndefined();
    expect(def.missed).toEqual({ kind: 'skip' });
  });

  it('enforces the run_every floor, which the operator may lower', () => {
    const err = rejection({ every: 30 }, { now });
    expect(err.code).toBe('DH_ERR_VALIDATION');
    expect(err.message).toBe('Invalid schedule: every: must be at least 60 seconds, got 30.');
    expect(rejection({ run_every: 59 }, { now }).message).toContain('run_every: must be at least 60 seconds');
    expect(parseScheduleDefinition({ every: 10 }, { now, minRunEvery: 5 })).toMatchObject({ runEverySeconds: 10 });
  });

  it('passes on the cron parser message under the cron field', () => {
    const err = rejection({ cron: '0 25 * * *' });
    expect(err.message).toBe('Invalid schedule: cron: cron field "hour" has an invalid value "25" (allowed 0-23).');
    expect(err.details).toEqual({ issues: [{ path: 'cron', message: 'cron field "hour" has an invalid value "25" (allowed 0-23)' }] });
  });

  it('names the field for every cross-field mistake', () => {
    expect(rejection({ cron: '* * * * *', timezone: 'Mars/Base' }).message).toContain('timezone: time zone "Mars/Base"');
    expect(rejection({ cron: '* * * * *', every: 60 }).message).toContain('cron: give only one of cron, every (run_every) or at');
    expect(rejection({ every: 60, run_every: 60, start_at: '2026-05-05T10:00:00Z' }).message).toContain('run_every: give every or run_every');
    expect(rejection({ every: 60, timezone: 'UTC' }, { now }).message).toContain('timezone: timezone applies only to cron');
    expect(rejection({ every: 60 }).message).toContain('start_at: start_at is required');
    expect(rejection({}).message).toContain('a schedule needs one of cron, every (run_every), at or start_at');
    expect(
      rejection({ cron: '* * * * *', start_at: '2026-05-05T10:00:00Z', end_at: '2026-05-04T10:00:00Z' }).message,
    ).toContain('end_at: end_at must not be before start_at');
    expect(rejection({ cron: '* * * * *', missed: 'catch-up:0' }).message).toContain('missed: missed-run policy "catch-up:0" is not valid');
    expect(rejection({ cron: '* * * * *', overlap: 'queue' }).message).toContain('overlap:');
    expect(rejection({ cron: '* * * * *', run_times: 0 }).message).toContain('run_times:');
  });

  it('refuses times without a zone designator', () => {
    expect(rejection({ at: '2026-05-05T09:00:00' }).message).toContain('at: must be an RFC 3339 time with a zone');
    expect(rejection({ at: 'tomorrow' }).message).toContain('at: must be an RFC 3339 time');
  });
});

describe('missed-run policy text', () => {
  it('parses and formats each form', () => {
    expect(parseMissedPolicy(' catch-up:12 ')).toEqual({ kind: 'catch-up', max: 12 });
    expect(formatMissedPolicy({ kind: 'catch-up', max: 12 })).toBe('catch-up:12');
    expect(formatMissedPolicy({ kind: 'run-once' })).toBe('run-once');
  });

  it('rejects a catch-up without a count or beyond the cap', () => {
    expect(() => parseMissedPolicy('catch-up')).toThrow('use skip, run-once or catch-up:N with N from 1 to 1000');
    expect(() => parseMissedPolicy('catch-up:1001')).toThrow(DhError);
    expect(() => parseMissedPolicy('later')).toThrow(DhError);
  });
});

describe('formatScheduleDefinition', () => {
  it.each([
    { cron: '*/5 9-17 * * MON-FRI', timezone: 'America/New_York', overlap: 'skip', missed: 'catch-up:2', run_times: 9 },
    { every: 300, start_at: '2026-05-05T10:00:00.000Z', end_at: '2026-05-06T10:00:00.000Z', overlap: 'cancel-previous', missed: 'run-once' },
    { at: '2026-05-05T10:00:00.000Z', overlap: 'allow', missed: 'skip' },
  ])('writes text that parses back to the same definition: %o', (text) => {
    const def = parseScheduleDefinition(text);
    expect(formatScheduleDefinition(def)).toEqual(text);
    expect(parseScheduleDefinition(formatScheduleDefinition(def))).toEqual(def);
  });
});
