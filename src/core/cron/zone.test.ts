import { describe, expect, it } from 'vitest';
import { DhError } from '../errors.ts';
import { isValidTimeZone, normalizeTimeZone, offsetAt, segmentAt } from './zone.ts';

const HOUR = 3_600_000;
const at = (iso: string): number => Date.parse(iso);

describe('time zone names', () => {
  it('accepts IANA names and UTC, and rejects unknown names, offsets and junk', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('America/Argentina/Buenos_Aires')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Etc/GMT+5')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidTimeZone('+01:00')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
    expect(isValidTimeZone('Europe/../Berlin')).toBe(false);
  });

  it('normalizes the spelling and explains a rejected name', () => {
    expect(normalizeTimeZone('europe/berlin')).toBe('Europe/Berlin');
    expect(normalizeTimeZone('UTC')).toBe('UTC');
    let error: unknown;
    try {
      normalizeTimeZone('Europe/Atlantis');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DhError);
    expect((error as DhError).code).toBe('DH_ERR_VALIDATION');
    expect((error as DhError).message).toContain('time zone "Europe/Atlantis" is not a known IANA time zone');
    expect((error as DhError).details).toEqual({ field: 'timezone', value: 'Europe/Atlantis' });
  });
});

describe('offsets and segments', () => {
  it('reads winter and summer offsets in both hemispheres', () => {
    expect(offsetAt('Europe/Berlin', at('2026-01-15T12:00:00Z'))).toBe(1 * HOUR);
    expect(offsetAt('Europe/Berlin', at('2026-07-15T12:00:00Z'))).toBe(2 * HOUR);
    expect(offsetAt('America/New_York', at('2026-01-15T12:00:00Z'))).toBe(-5 * HOUR);
    expect(offsetAt('America/New_York', at('2026-07-15T12:00:00Z'))).toBe(-4 * HOUR);
    expect(offsetAt('Australia/Sydney', at('2026-07-15T12:00:00Z'))).toBe(10 * HOUR);
    expect(offsetAt('Asia/Kolkata', at('2026-07-15T12:00:00Z'))).toBe(5.5 * HOUR);
  });

  it('finds the exact instants where Berlin summer time starts and ends', () => {
    const summer = segmentAt('Europe/Berlin', at('2026-06-01T00:00:00Z'));
    expect(summer).toEqual({
      start: at('2026-03-29T01:00:00Z'),
      end: at('2026-10-25T01:00:00Z'),
      offset: 2 * HOUR,
      offsetBefore: 1 * HOUR,
    });
    const lateWinter = segmentAt('Europe/Berlin', at('2026-11-01T00:00:00Z'));
    expect(lateWinter).toEqual({ start: at('2026-10-25T01:00:00Z'), end: at('2027-01-01T00:00:00Z'), offset: HOUR, offsetBefore: 2 * HOUR });
  });

  it('starts a segment exactly at the transition second', () => {
    expect(segmentAt('America/New_York', at('2026-03-08T07:00:00Z')).start).toBe(at('2026-03-08T07:00:00Z'));
    expect(segmentAt('America/New_York', at('2026-03-08T06:59:59Z')).end).toBe(at('2026-03-08T07:00:00Z'));
  });

  it('cuts a zone without transitions at UTC year boundaries, with no change of offset', () => {
    expect(segmentAt('UTC', at('2026-05-05T05:05:05Z'))).toEqual({
      start: at('2026-01-01T00:00:00Z'),
      end: at('2027-01-01T00:00:00Z'),
      offset: 0,
      offsetBefore: 0,
    });
    const kolkata = segmentAt('Asia/Kolkata', at('2026-05-05T00:00:00Z'));
    expect(kolkata.offsetBefore).toBe(kolkata.offset);
  });

  it('handles southern-hemisphere summer time spanning the new year', () => {
    const winter = segmentAt('Australia/Sydney', at('2026-06-01T00:00:00Z'));
    expect(winter.start).toBe(at('2026-04-04T16:00:00Z'));
    expect(winter.end).toBe(at('2026-10-03T16:00:00Z'));
    expect(winter.offset).toBe(10 * HOUR);
    expect(winter.offsetBefore).toBe(11 * HOUR);
    expect(segmentAt('Australia/Sydney', at('2026-01-10T00:00:00Z')).offset).toBe(11 * HOUR);
  });
});
