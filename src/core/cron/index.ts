/**
 * Cron math for schedules: parse an expression, then ask when it fires in an IANA time zone.
 *
 *   import { parseCron, nextOccurrences } from '../core/cron/index.ts';
 *   nextOccurrences(parseCron('0 2 * * *'), 'Europe/Berlin', new Date(), 5);
 *
 * next.ts documents the daylight-saving rule and the search bound.
 */
export { parseCron, type CronExpression } from './parse.ts';
export {
  nextOccurrence,
  nextOccurrences,
  countOccurrences,
  lastOccurrences,
  SEARCH_HORIZON_YEARS,
} from './next.ts';
export { isValidTimeZone, normalizeTimeZone } from './zone.ts';
