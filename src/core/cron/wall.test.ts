import { describe, expect, it } from 'vitest';
import { parseCron } from './parse.ts';
import { countWallMatches, daysInMonth, isLeapYear, matchesWall, nextWallMatch } from './wall.ts';

const wall = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number => Date.UTC(y, mo - 1, d, h, mi, s);
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

describe('calendar', () => {
  it('knows leap years and month lengths, century rules included', () => {
    expect([2024, 2026, 2000, 2100].map(isLeapYear)).toEqual([true, false, true, false]);
    expect(daysInMonth(2028, 2)).toBe(29);
    expect(daysInMonth(2100, 2)).toBe(28);
    expect(daysInMonth(2026, 4)).toBe(30);
    expect(daysInMonth(2026, 12)).toBe(31);
  });
});

describe('nextWallMatch', () => {
  it('finds the next matching reading at or after the start, skipping by field', () => {
    const expr = parseCron('30 2 * * *');
    expect(iso(nextWallMatch(expr, wall(2026, 1, 1), wall(2027, 1, 1)))).toBe('2026-01-01T02:30:00.000Z');
    expect(iso(nextWallMatch(expr, wall(2026, 1, 1, 2, 30), wall(2027, 1, 1)))).toBe('2026-01-01T02:30:00.000Z');
    expect(iso(nextWallMatch(expr, wall(2026, 1, 1, 2, 30, 1), wall(2027, 1, 1)))).toBe('2026-01-02T02:30:00.000Z');
    expect(iso(nextWallMatch(expr, wall(2026, 12, 31, 3), wall(2030, 1, 1)))).toBe('2027-01-01T02:30:00.000Z');
  });

  it('rounds a start inside a second up to the next whole second', () => {
    expect(iso(nextWallMatch(parseCron('* * * * * *'), wall(2026, 1, 1) + 1, wall(2027, 1, 1)))).toBe('2026-01-01T00:00:01.000Z');
  });

  it('stops at the exclusive upper bound', () => {
    const expr = parseCron('30 2 * * *');
    expect(nextWallMatch(expr, wall(2026, 1, 1, 3), wall(2026, 1, 2, 2, 30))).toBeNull();
    expect(iso(nextWallMatch(expr, wall(2026, 1, 1, 3), wall(2026, 1, 2, 2, 30, 1)))).toBe('2026-01-02T02:30:00.000Z');
  });

  it('finds Feb 29 only in leap years, skipping 2100', () => {
    const expr = parseCron('0 12 29 2 *');
    expect(iso(nextWallMatch(expr, wall(2025, 3, 1), wall(2040, 1, 1)))).toBe('2028-02-29T12:00:00.000Z');
    expect(iso(nextWallMatch(expr, wall(2096, 3, 1), wall(2110, 1, 1)))).toBe('2104-02-29T12:00:00.000Z');
  });

  it('matches a day when either restricted day field matches (Vixie OR)', () => {
    // The 13th, or any Friday: from Sun 2026-02-01 the first hit is Fri Feb 6, then Fri Feb 13 (both).
    const expr = parseCron('0 0 13 * FRI');
    const first = nextWallMatch(expr, wall(2026, 2, 1), wall(2027, 1, 1));
    expect(iso(first)).toBe('2026-02-06T00:00:00.000Z');
    // February 2026: Fridays 6, 13, 20, 27, and the 13th is one of them.
    expect(countWallMatches(expr, wall(2026, 2, 1), wall(2026, 3, 1))).toBe(4);
    // April 2026: Fridays 3, 10, 17, 24, plus Monday the 13th.
    expect(countWallMatches(expr, wall(2026, 4, 1), wall(2026, 5, 1))).toBe(5);
    expect(countWallMatches(parseCron('0 0 1 * MON'), wall(2026, 6, 1), wall(2026, 7, 1))).toBe(5); // Jun 1 is a Monday: 1,8,15,22,29
    expect(countWallMatches(parseCron('0 0 2 * MON'), wall(2026, 6, 1), wall(2026, 7, 1))).toBe(6); // + Tue Jun 2
  });

  it('requires both day fields when one is written with a leading * (Vixie AND)', () => {
    // Odd days that are Mondays, in June 2026: Mondays 1, 8, 15, 22, 29 -> odd: 1, 15, 29.
    expect(countWallMatches(parseCron('0 0 */2 * MON'), wall(2026, 6, 1), wall(2026, 7, 1))).toBe(3);
  });

  it('says whether a single reading matches', () => {
    const expr = parseCron('0 30 2 * * MON');
    expect(matchesWall(expr, wall(2026, 3, 30, 2, 30))).toBe(true);
    expect(matchesWall(expr, wall(2026, 3, 31, 2, 30))).toBe(false);
    expect(matchesWall(expr, wall(2026, 3, 30, 2, 30, 1))).toBe(false);
    expect(matchesWall(expr, wall(2026, 3, 30, 2, 30) + 5)).toBe(false);
  });
});

describe('countWallMatches', () => {
  it('counts whole days and partial days without enumerating', () => {
    expect(countWallMatches(parseCron('0 * * * *'), wall(2026, 1, 1), wall(2026, 1, 2))).toBe(24);
    expect(countWallMatches(parseCron('* * * * * *'), wall(2026, 1, 1), wall(2027, 1, 1))).toBe(365 * 86_400);
    expect(countWallMatches(parseCron('*/15 * * * *'), wall(2026, 1, 1, 10, 7), wall(2026, 1, 1, 11, 0, 1))).toBe(4);
    expect(countWallMatches(parseCron('0 0 29 2 *'), wall(2000, 1, 1), wall(2101, 1, 1))).toBe(25);
    expect(countWallMatches(parseCron('* * * * *'), wall(2026, 1, 1), wall(2026, 1, 1))).toBe(0);
  });

  it('agrees with enumeration for assorted expressions and spans', () => {
    const expressions = ['*/7 3-5 * * *', '0 0 1,15 * *', '30 */5 * JAN-MAR MON,WED', '*/13 */11 2 * * *', '0 0 29 2 *', '0 0 13 * FRI'];
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    for (const text of expressions) {
      const expr = parseCron(text);
      for (let i = 0; i < 5; i++) {
        const from = wall(2026, 1, 1) + Math.floor(random() * 200 * 86_400_000);
        const to = from + Math.floor(random() * 40 * 86_400_000);
        let n = 0;
        for (let w = nextWallMatch(expr, from, to); w !== null; w = nextWallMatch(expr, w + 1000, to)) n++;
        expect(countWallMatches(expr, from, to), `${text} ${iso(from)}..${iso(to)}`).toBe(n);
      }
    }
  });
});
