import { describe, expect, test } from 'vitest';
import { normalizeEntryName } from './entry-name.ts';

const limits = { maxNameBytes: 64, maxSegmentBytes: 16 };
const refusalOf = (raw: string): string => {
  try {
    normalizeEntryName(raw, limits);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`${JSON.stringify(raw)} was accepted`);
};

describe('normalizeEntryName', () => {
  test('drops "./" prefixes, "." segments, doubled and trailing slashes', () => {
    expect(normalizeEntryName('./src/app.js', limits)).toBe('src/app.js');
    expect(normalizeEntryName('a/./b//c/', limits)).toBe('a/b/c');
    expect(normalizeEntryName('./././x', limits)).toBe('x');
  });

  test('returns null for the archive root itself', () => {
    expect(normalizeEntryName('./', limits)).toBeNull();
    expect(normalizeEntryName('.', limits)).toBeNull();
  });

  test('keeps names that merely contain dots', () => {
    expect(normalizeEntryName('..hidden/...', limits)).toBe('..hidden/...');
    expect(normalizeEntryName('.env', limits)).toBe('.env');
  });

  test('refuses ".." anywhere, even where it would resolve inside', () => {
    expect(refusalOf('../x')).toContain('".."');
    expect(refusalOf('a/../b')).toContain('".."');
    expect(refusalOf('a/..')).toContain('".."');
  });

  test('refuses absolute names, backslashes, NUL, control characters and broken UTF-8', () => {
    expect(refusalOf('/etc/passwd')).toContain('absolute');
    expect(refusalOf('//x')).toContain('absolute');
    expect(refusalOf('a\\b')).toContain('backslash');
    expect(refusalOf('a\u0000b')).toContain('NUL');
    expect(refusalOf('a\rb')).toContain('control character');
    expect(refusalOf('a\u007fb')).toContain('control character');
    expect(refusalOf('caf\uFFFD')).toContain('UTF-8');
    expect(refusalOf('')).toContain('empty name');
  });

  test('measures segment and path limits in UTF-8 bytes, not characters', () => {
    expect(normalizeEntryName('é'.repeat(8), limits)).toBe('é'.repeat(8)); // 16 bytes
    expect(refusalOf('é'.repeat(9))).toContain('segment of 18 bytes, over the 16-byte limit');
    const deep = Array.from({ length: 13 }, () => 'abcd').join('/'); // 64 bytes
    expect(normalizeEntryName(deep, limits)).toBe(deep);
    expect(refusalOf(`${deep}/e`)).toContain('path of 66 bytes, over the 64-byte limit');
  });

  test('shows the raw name escaped in the message, so a newline cannot forge a log line', () => {
    expect(refusalOf('x\nINFO: all good')).toContain('"x\\nINFO: all good"');
  });
});
