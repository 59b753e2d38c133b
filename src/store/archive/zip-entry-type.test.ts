import { describe, expect, test } from 'vitest';
import { zipEntryType } from './zip-entry-type.ts';

const unix = (mode: number, name = 'x') => zipEntryType({ versionMadeBy: (3 << 8) | 30, externalFileAttributes: (mode << 16) >>> 0, name });

describe('zipEntryType', () => {
  test('reads the Unix file type and permission bits from the external attributes', () => {
    expect(unix(0o100755)).toEqual({ type: 'file', mode: 0o755 });
    expect(unix(0o040755, 'd/')).toEqual({ type: 'directory', mode: 0o755 });
    expect(unix(0o120777)).toEqual({ type: 'symlink', mode: 0o777 });
    expect(unix(0o010644).type).toBe('fifo');
    expect(unix(0o060600).type).toBe('block-device');
    expect(unix(0o140755).type).toBe('socket');
  });

  test('treats macOS (host 19) like Unix', () => {
    expect(zipEntryType({ versionMadeBy: (19 << 8) | 20, externalFileAttributes: (0o120755 << 16) >>> 0, name: 'l' }).type).toBe('symlink');
  });

  test('lets a trailing slash make a directory of an entry with a regular-file mode, never of a symlink', () => {
    expect(unix(0o100644, 'd/').type).toBe('directory');
    expect(unix(0o120777, 'd/').type).toBe('symlink');
  });

  test('falls back to the name when a Unix entry has no type bits', () => {
    expect(unix(0o644, 'f')).toEqual({ type: 'file', mode: 0o644 });
    expect(unix(0, 'd/')).toEqual({ type: 'directory', mode: 0 });
  });

  test('reads DOS entries by the directory attribute or the trailing slash', () => {
    expect(zipEntryType({ versionMadeBy: 20, externalFileAttributes: 0x20, name: 'a.txt' })).toEqual({ type: 'file', mode: 0 });
    expect(zipEntryType({ versionMadeBy: 20, externalFileAttributes: 0x10, name: 'dir' }).type).toBe('directory');
    expect(zipEntryType({ versionMadeBy: 20, externalFileAttributes: 0, name: 'dir/' }).type).toBe('directory');
  });

  test('ignores Unix-looking attribute bits from a non-Unix host', () => {
    expect(zipEntryType({ versionMadeBy: 20, externalFileAttributes: (0o120777 << 16) >>> 0, name: 'x' }).type).toBe('file');
  });
});
