/**
 * Parses a cron expression into sorted value sets, with Vixie cron's rules and error messages that
 * name the field and the bad value.
 *
 *   parseCron('*\/15 9-17 * * MON-FRI')   // 5 fields: minute hour day-of-month month day-of-week
 *   parseCron('30 0 2 * * *')            // 6 fields: a seconds field comes first
 *   parseCron('@daily')                  // the Vixie macros: @yearly @annually @monthly @weekly @daily @midnight @hourly
 *
 * Syntax per field: `*`, a value, a range `a-b`, a step `*\/n`, `a-b/n` or `a/n` (read as a-max/n), and
 * comma lists of these. Months and weekdays take names (JAN, MON), case-insensitive; weekday 7 is Sunday,
 * and a weekday range may end in SUN (`FRI-SUN`). `?` means `*` in day-of-month and day-of-week.
 *
 * Day matching follows Vixie cron: when both day-of-month and day-of-week are restricted, a day matches
 * if EITHER matches (`0 0 1 * MON` = the 1st and every Monday). A field counts as unrestricted when it is
 * written starting with `*` or `?`, so `*\/2` is unrestricted for this rule, as in Vixie cron.
 */
import { DhError } from '../errors.ts';
import { CRON_FIELDS, CRON_MACROS, FIVE_FIELD_ORDER, SIX_FIELD_ORDER, type CronFieldKey, type CronFieldSpec } from './fields.ts';

export interface CronExpression {
  /** The expression as written (trimmed), e.g. for display and storage. */
  readonly source: string;
  /** True when the expression had 6 fields (seconds first). */
  readonly hasSeconds: boolean;
  /** Sorted, distinct values. `seconds` is [0] for a 5-field expression. */
  readonly seconds: readonly number[];
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly daysOfMonth: readonly number[];
  /** 1-12. */
  readonly months: readonly number[];
  /** 0-6, Sunday = 0 (a written 7 is folded into 0). */
  readonly daysOfWeek: readonly number[];
  readonly dayOfMonthRestricted: boolean;
  readonly dayOfWeekRestricted: boolean;
  /**
   * True when neither minute nor hour is written with `*`: a job at fixed wall-clock times. Such jobs get
   * the daylight-saving rule for fixed times (see next.ts); wildcard jobs follow real time.
   */
  readonly fixedTime: boolean;
}

const MACRO_LIST = '@yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly';

/** Parses a cron expression; throws DhError(DH_ERR_VALIDATION) naming the field and value at fault. */
export function parseCron(expression: string): CronExpression {
  const source = expression.trim();
  if (source === '') {
    throw new DhError('DH_ERR_VALIDATION', 'The cron expression is empty; write 5 fields (e.g. "0 2 * * *") or a macro such as @daily.');
  }
  const text = source.startsWith('@') ? expandMacro(source) : source;
  const parts = text.split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6) {
    throw new DhError(
      'DH_ERR_VALIDATION',
      `cron expression "${source}" has ${parts.length} field${parts.length === 1 ? '' : 's'}; expected 5 ` +
        '(minute hour day-of-month month day-of-week) or 6 (second minute hour day-of-month month day-of-week).',
      { expression: source },
    );
  }
  const order = parts.length === 6 ? SIX_FIELD_ORDER : FIVE_FIELD_ORDER;
  const raw: Partial<Record<CronFieldKey, string>> = {};
  order.forEach((key, i) => {
    raw[key] = parts[i] ?? '';
  });
  const field = (key: CronFieldKey): readonly number[] => {
    const text = raw[key];
    return text === undefined ? [0] : parseField(text, key);
  };
  const startsWild = (key: CronFieldKey): boolean => /^[*?]/.test(raw[key] ?? '*');

  const parsed: CronExpression = {
    source,
    hasSeconds: parts.length === 6,
    seconds: field('second'),
    minutes: field('minute'),
    hours: field('hour'),
    daysOfMonth: field('dayOfMonth'),
    months: field('month'),
    daysOfWeek: field('dayOfWeek'),
    dayOfMonthRestricted: !startsWild('dayOfMonth'),
    dayOfWeekRestricted: !startsWild('dayOfWeek'),
    fixedTime: !startsWild('minute') && !startsWild('hour'),
  };
  assertCanFire(parsed);
  return parsed;
}

function expandMacro(source: string): string {
  const expansion = CRON_MACROS[source.toLowerCase()];
  if (expansion === undefined) {
    throw new DhError('DH_ERR_VALIDATION', `cron macro "${source}" is not supported; use ${MACRO_LIST}.`, {
      expression: source,
    });
  }
  return expansion;
}

/** Expands one field's text into its sorted distinct values. */
function parseField(text: string, key: CronFieldKey): readonly number[] {
  const spec = CRON_FIELDS[key];
  const values = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '') throw fieldError(spec, text, 'an empty list item');
    for (const value of expandItem(item, key, spec)) values.add(value);
  }
  return [...values].sort((a, b) => a - b);
}

function expandItem(item: string, key: CronFieldKey, spec: CronFieldSpec): number[] {
  const slash = item.indexOf('/');
  const base = slash === -1 ? item : item.slice(0, slash);
  const step = slash === -1 ? 1 : parseStep(item.slice(slash + 1), spec, item);

  let low: number;
  let high: number;
  if (base === '*' || base === '?') {
    if (base === '?' && key !== 'dayOfMonth' && key !== 'dayOfWeek') {
      throw fieldError(spec, item, 'an invalid value', '"?" is only allowed in day-of-month and day-of-week');
    }
    low = spec.min;
    // Sunday is 0; 7 would only duplicate it.
    high = key === 'dayOfWeek' ? 6 : spec.max;
  } else if (base.includes('-')) {
    const [from, to, ...rest] = base.split('-');
    if (from === undefined || to === undefined || rest.length > 0 || from === '' || to === '') {
      throw fieldError(spec, item, 'an invalid range', 'write a range as start-end, e.g. 1-5');
    }
    low = parseValue(from, spec);
    high = parseValue(to, spec);
    // "FRI-SUN": a weekday range may end on Sunday written by name or as 0.
    if (key === 'dayOfWeek' && high === 0 && low > 0) high = 7;
    if (low > high) throw fieldError(spec, item, 'an invalid range', 'the start is after the end');
  } else {
    low = parseValue(base, spec);
    // "a/n" means a-max/n (as cronie and Quartz read it); a bare value is just itself.
    high = slash === -1 ? low : key === 'dayOfWeek' ? 6 : spec.max;
  }

  const out: number[] = [];
  for (let v = low; v <= high; v += step) out.push(key === 'dayOfWeek' && v === 7 ? 0 : v);
  return out;
}

function parseStep(text: string, spec: CronFieldSpec, item: string): number {
  const span = spec.max - spec.min + 1;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > span) {
    throw fieldError(spec, item, 'an invalid step', `a step must be a whole number from 1 to ${span}`);
  }
  return Number(text);
}

function parseValue(text: string, spec: CronFieldSpec): number {
  const named = spec.names?.[text.toUpperCase()];
  if (named !== undefined) return named;
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n >= spec.min && n <= spec.max) return n;
  }
  throw fieldError(spec, text, 'an invalid value', `allowed ${allowedText(spec)}`);
}

function allowedText(spec: CronFieldSpec): string {
  const names = spec.names ? Object.keys(spec.names) : [];
  const numeric = `${spec.min}-${spec.max}`;
  return names.length > 0 ? `${numeric} or ${names[0]}-${names[names.length - 1]}` : numeric;
}

function fieldError(spec: CronFieldSpec, value: string, what: string, hint?: string): DhError {
  const suffix = hint === undefined ? '' : ` (${hint})`;
  return new DhError('DH_ERR_VALIDATION', `cron field "${spec.name}" has ${what} "${value}"${suffix}.`, {
    field: spec.name,
    value,
  });
}

/** The most days each month can have (February: 29, in leap years). */
const MAX_DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/**
 * Rejects expressions that can never fire (`0 0 30 2 *`): when only day-of-month restricts days, some
 * listed month must be able to hold some listed day. With a restricted weekday a day always exists.
 */
function assertCanFire(expr: CronExpression): void {
  if (!expr.dayOfMonthRestricted || expr.dayOfWeekRestricted) return;
  const smallestDay = expr.daysOfMonth[0] ?? 1;
  const possible = expr.months.some((month) => smallestDay <= (MAX_DAYS_IN_MONTH[month - 1] ?? 31));
  if (!possible) {
    throw new DhError(
      'DH_ERR_VALIDATION',
      `cron expression "${expr.source}" never fires: none of its months (${expr.months.join(',')}) has any of its ` +
        `days (${expr.daysOfMonth.join(',')}); change the day-of-month or month field.`,
      { field: 'day-of-month', value: expr.daysOfMonth.join(',') },
    );
  }
}
