/**
 * The six cron fields, as data: the name an error message uses, the allowed range and the names a
 * field accepts in place of numbers. The parser reads this table; nothing else hard-codes a range.
 *
 *   CRON_FIELDS.hour  // { name: 'hour', min: 0, max: 23 }
 */
export type CronFieldKey = 'second' | 'minute' | 'hour' | 'dayOfMonth' | 'month' | 'dayOfWeek';

export interface CronFieldSpec {
  /** The field's name in error messages: `cron field "hour" has an invalid value "25"`. */
  readonly name: string;
  readonly min: number;
  /** The largest value a user may write (7 for day-of-week, read as Sunday). */
  readonly max: number;
  /** Upper-case names accepted for values, e.g. JAN = 1, MON = 1. */
  readonly names?: Readonly<Record<string, number>>;
}

const MONTH_NAMES = {
  JAN: 1, FEB: 2, MAR: 3, APR: 4, MAY: 5, JUN: 6, JUL: 7, AUG: 8, SEP: 9, OCT: 10, NOV: 11, DEC: 12,
} as const;

const DAY_NAMES = { SUN: 0, MON: 1, TUE: 2, WED: 3, THU: 4, FRI: 5, SAT: 6 } as const;

export const CRON_FIELDS: Readonly<Record<CronFieldKey, CronFieldSpec>> = {
  second: { name: 'second', min: 0, max: 59 },
  minute: { name: 'minute', min: 0, max: 59 },
  hour: { name: 'hour', min: 0, max: 23 },
  dayOfMonth: { name: 'day-of-month', min: 1, max: 31 },
  month: { name: 'month', min: 1, max: 12, names: MONTH_NAMES },
  dayOfWeek: { name: 'day-of-week', min: 0, max: 7, names: DAY_NAMES },
};

/** Field order of a 5-field expression; a 6-field one puts `second` first. */
export const FIVE_FIELD_ORDER: readonly CronFieldKey[] = ['minute', 'hour', 'dayOfMonth', 'month', 'dayOfWeek'];
export const SIX_FIELD_ORDER: readonly CronFieldKey[] = ['second', ...FIVE_FIELD_ORDER];

/**
 * Vixie cron's macros. `@reboot` is deliberately absent: a fleet has no single boot to attach it to.
 */
export const CRON_MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};
