/**
 * The next firing instants of a cron expression in a time zone, so an expression can be checked before
 * a schedule trusts it: `dockhand schedule next EXPR` works them out locally (no server), and
 * `GET /v1/cron/next` answers the dashboard's preview as a user types. Instants are
 * printed in UTC (ISO 8601), each followed by the wall-clock time in the zone, where daylight-saving
 * shifts show.
 *
 *   dockhand schedule next '30 2 * * *' --tz Europe/Berlin -n 2 --from 2026-03-28T12:00:00Z
 *   2026-03-29T01:30:00.000Z  Sun 2026-03-29 03:30:00 GMT+2
 *   2026-03-30T00:30:00.000Z  Mon 2026-03-30 02:30:00 GMT+2
 */
import { DhError } from '../errors.ts';
import { nextOccurrences, normalizeTimeZone, parseCron } from './index.ts';

export const NEXT_MAX_COUNT = 1000;

export interface NextOptions {
  tz?: string;
  count?: number;
  from?: string;
}

/** The next `count` firings after `from` (default now), or a DhError naming what is wrong. */
export function previewFirings(expression: string, options: NextOptions, now: Date = new Date()): { zone: string; instants: Date[] } {
  const expr = parseCron(expression);
  const zone = normalizeTimeZone(options.tz ?? 'UTC');
  const count = options.count ?? 5;
  if (!Number.isInteger(count) || count < 1 || count > NEXT_MAX_COUNT) {
    throw new DhError('DH_ERR_VALIDATION', `The count (-n, or n=) must be a whole number from 1 to ${NEXT_MAX_COUNT}, got ${count}.`);
  }
  let from = now;
  if (options.from !== undefined) {
    const parsed = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}/.test(options.from) && /([Zz]|[+-]\d{2}:?\d{2})$/.test(options.from) ? Date.parse(options.from) : Number.NaN;
    if (Number.isNaN(parsed)) {
      throw new DhError('DH_ERR_VALIDATION', `The start (--from, or from=) must be an RFC 3339 time with a zone, e.g. 2026-03-28T12:00:00Z; got "${options.from}".`);
    }
    from = new Date(parsed);
  }
  return { zone, instants: nextOccurrences(expr, zone, from, count) };
}

const wallFormats = new Map<string, Intl.DateTimeFormat>();

/** `Sun 2026-03-29 03:30:00 GMT+2`: the wall clock in `zone` with its offset at that instant. */
export function wallClock(instant: Date, zone: string): string {
  let format = wallFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'shortOffset',
    });
    wallFormats.set(zone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(instant).map((p) => [p.type, p.value]));
  return `${parts['weekday']} ${parts['year']}-${parts['month']}-${parts['day']} ${parts['hour']}:${parts['minute']}:${parts['second']} ${parts['timeZoneName']}`;
}
