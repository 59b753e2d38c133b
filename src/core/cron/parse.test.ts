import { describe, expect, it } from 'vitest';
import { DhError } from '../errors.ts';
import { parseCron } from './parse.ts';

function parseError(expr: string): DhError {
  try {
    parseCron(expr);
  } catch (err) {
    if (err instanceof DhError) return err;
    throw err;
  }
  throw new Error(`expected "${expr}" to be rejected`);
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('parseCron fields', () => {
  it('reads a 5-field expression as minute hour day-of-month month day-of-week with seconds fixed at 0', () => {
    const expr = parseCron('*/15 9-17 * * MON-FRI');
    expect(expr.hasSeconds).toBe(false);
    expect(expr.seconds).toEqual([0]);
    expect(expr.minutes).toEqual([0, 15, 30, 45]);
    expect(expr.hours).toEqual(range(9, 17));
    expect(expr.daysOfMonth).toEqual(range(1, 31));
    expect(expr.months).toEqual(range(1, 12));
    expect(expr.daysOfWeek).toEqual([1, 2, 3, 4, 5]);
  });

  it('reads a 6-field expression with the seconds field first', () => {
    const expr = parseCron('*/20 30 2 * * *');
    expect(expr.hasSeconds).toBe(true);
    expect(expr.seconds).toEqual([0, 20, 40]);
    expect(expr.minutes).toEqual([30]);
    expect(expr.hours).toEqual([2]);
  });

  it('expands ranges with steps, single values with steps, and deduplicates and sorts lists', () => {
    expect(parseCron('1-10/2 * * * *').minutes).toEqual([1, 3, 5, 7, 9]);
    expect(parseCron('5/20 * * * *').minutes).toEqual([5, 25, 45]);
    expect(parseCron('5,1,3,1 * * * *').minutes).toEqual([1, 3, 5]);
    expect(parseCron('0 0-3,20-23/2 * * *').hours).toEqual([0, 1, 2, 3, 20, 22]);
    expect(parseCron('05 07 * * *').minutes).toEqual([5]);
  });

  it('accepts month and weekday names in any case, alone and in ranges', () => {
    expect(parseCron('0 0 1 jan,Mar,DEC *').months).toEqual([1, 3, 12]);
    expect(parseCron('0 0 * JUN-aug *').months).toEqual([6, 7, 8]);
    expect(parseCron('0 0 * * mon-Fri').daysOfWeek).toEqual([1, 2, 3, 4, 5]);
    expect(parseCron('0 0 * * sun,SAT').daysOfWeek).toEqual([0, 6]);
  });

  it('reads weekday 7 as Sunday, also at the end of a range and in FRI-SUN', () => {
    expect(parseCron('0 0 * * 7').daysOfWeek).toEqual([0]);
    expect(parseCron('0 0 * * 5-7').daysOfWeek).toEqual([0, 5, 6]);
    expect(parseCron('0 0 * * FRI-SUN').daysOfWeek).toEqual([0, 5, 6]);
    expect(parseCron('0 0 * * 0,7').daysOfWeek).toEqual([0]);
  });

  it('treats ? as * in day-of-month and day-of-week', () => {
    const expr = parseCron('0 12 ? * MON');
    expect(expr.daysOfMonth).toEqual(range(1, 31));
    expect(expr.dayOfMonthRestricted).toBe(false);
    expect(expr.dayOfWeekRestricted).toBe(true);
  });

  it('expands every Vixie macro to its five fields', () => {
    const fields = (e: string) => {
      const x = parseCron(e);
      return [x.minutes, x.hours, x.daysOfMonth, x.months, x.daysOfWeek];
    };
    expect(fields('@yearly')).toEqual(fields('0 0 1 1 *'));
    expect(fields('@annually')).toEqual(fields('0 0 1 1 *'));
    expect(fields('@monthly')).toEqual(fields('0 0 1 * *'));
    expect(fields('@weekly')).toEqual(fields('0 0 * * 0'));
    expect(fields('@daily')).toEqual(fields('0 0 * * *'));
    expect(fields('@midnight')).toEqual(fields('0 0 * * *'));
    expect(fields('@hourly')).toEqual(fields('0 * * * *'));
    expect(parseCron('@DAILY').source).toBe('@DAILY');
  });

  it('keeps the expression as written, trimmed, as its source', () => {
    expect(parseCron('  0 2 * * *\t').source).toBe('0 2 * * *');
  });
});

describe('parseCron day matching and time kind', () => {
  it('marks both day fields restricted when both are written without a leading * or ?', () => {
    const expr = parseCron('0 0 1 * MON');
    expect(expr.dayOfMonthRestricted).toBe(true);
    expect(expr.dayOfWeekRestricted).toBe(true);
  });

  it('counts a stepped * as unrestricted, as Vixie cron does', () => {
    const expr = parseCron('0 0 */2 * MON');
    expect(expr.dayOfMonthRestricted).toBe(false);
    expect(expr.daysOfMonth).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31]);
  });

  it('calls a job fixed-time only when neither minute nor hour starts with *', () => {
    expect(parseCron('30 2 * * *').fixedTime).toBe(true);
    expect(parseCron('0,30 1-3 * * *').fixedTime).toBe(true);
    expect(parseCron('@daily').fixedTime).toBe(true);
    expect(parseCron('0 * * * *').fixedTime).toBe(false);
    expect(parseCron('@hourly').fixedTime).toBe(false);
    expect(parseCron('*/5 2 * * *').fixedTime).toBe(false);
    expect(parseCron('0 */2 * * *').fixedTime).toBe(false);
    expect(parseCron('* 30 2 * * *').fixedTime).toBe(true);
  });
});

describe('parseCron errors', () => {
  it('names the field, the bad value and the allowed range', () => {
    const err = parseError('0 25 * * *');
    expect(err.code).toBe('DH_ERR_VALIDATION');
    expect(err.message).toBe('cron field "hour" has an invalid value "25" (allowed 0-23).');
    expect(err.details).toEqual({ field: 'hour', value: '25' });
  });

  it('names each field by its cron name', () => {
    expect(parseError('60 * * * *').message).toContain('cron field "minute" has an invalid value "60" (allowed 0-59)');
    expect(parseError('60 * * * * *').message).toContain('cron field "second" has an invalid value "60"');
    expect(parseError('0 0 32 * *').message).toContain('cron field "day-of-month" has an invalid value "32" (allowed 1-31)');
    expect(parseError('0 0 0 * *').message).toContain('cron field "day-of-month" has an invalid value "0"');
    expect(parseError('0 0 * 13 *').message).toContain('cron field "month" has an invalid value "13" (allowed 1-12 or JAN-DEC)');
    expect(parseError('0 0 * * 8').message).toContain('cron field "day-of-week" has an invalid value "8" (allowed 0-7 or SUN-SAT)');
  });

  it('rejects unknown names and junk, quoting the bad part', () => {
    expect(parseError('0 0 * FOO *').details).toEqual({ field: 'month', value: 'FOO' });
    expect(parseError('0 0 * * MONDAY').details).toEqual({ field: 'day-of-week', value: 'MONDAY' });
    expect(parseError('0 x * * *').details).toEqual({ field: 'hour', value: 'x' });
    expect(parseError('0 -1 * * *').message).toContain('cron field "hour" has an invalid range "-1"');
    expect(parseError('1.5 * * * *').details).toEqual({ field: 'minute', value: '1.5' });
  });

  it('rejects reversed ranges, bad steps and empty list items', () => {
    expect(parseError('0 20-5 * * *').message).toBe('cron field "hour" has an invalid range "20-5" (the start is after the end).');
    expect(parseError('*/0 * * * *').message).toContain('cron field "minute" has an invalid step "*/0"');
    expect(parseError('*/61 * * * *').message).toContain('a step must be a whole number from 1 to 60');
    expect(parseError('*/x * * * *').details).toEqual({ field: 'minute', value: '*/x' });
    expect(parseError('1,,2 * * * *').message).toContain('cron field "minute" has an empty list item "1,,2"');
    expect(parseError('0 1-2-3 * * *').message).toContain('invalid range "1-2-3"');
  });

  it('allows ? only in the day fields', () => {
    expect(parseError('0 ? * * *').message).toContain('"?" is only allowed in day-of-month and day-of-week');
  });

  it('says how many fields it found and what it expected', () => {
    expect(parseError('* * *').message).toBe(
      'cron expression "* * *" has 3 fields; expected 5 (minute hour day-of-month month day-of-week) ' +
        'or 6 (second minute hour day-of-month month day-of-week).',
    );
    expect(parseError('* * * * * * *').message).toContain('has 7 fields');
    expect(parseError('   ').message).toContain('empty');
  });

  it('rejects macros outside Vixie cron set, naming the ones there are', () => {
    expect(parseError('@reboot').message).toContain('cron macro "@reboot" is not supported; use @yearly');
    expect(parseError('@every 5m').message).toContain('cron macro "@every 5m" is not supported');
  });

  it('rejects an expression that can never fire, and accepts rare but possible ones', () => {
    expect(parseError('0 0 30 2 *').message).toContain('cron expression "0 0 30 2 *" never fires');
    expect(parseError('0 0 31 4,6,9,11 *').message).toContain('never fires');
    expect(parseCron('0 0 29 2 *').daysOfMonth).toEqual([29]);
    expect(parseCron('0 0 30 2 MON').daysOfWeek).toEqual([1]);
    expect(parseCron('0 0 31 2,3 *').months).toEqual([2, 3]);
  });
});
