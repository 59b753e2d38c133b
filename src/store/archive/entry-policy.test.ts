import { describe, expect, test } from 'vitest';
import { resolveArchiveLimits } from './archive-limits.ts';
import { ArchiveLedger, canonicalMode, type RawEntry } from './entry-policy.ts';

const file = (name: string, size = 1, mode = 0o644): RawEntry => ({ name, type: 'file', mode, size });
const dir = (name: string): RawEntry => ({ name, type: 'directory', mode: 0o755, size: 0 });

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

describe('canonicalMode', () => {
  test('gives directories 0755 and files 0644, or 0755 when any execute bit is set', () => {
    expect(canonicalMode('directory', 0o700)).toBe(0o755);
    expect(canonicalMode('file', 0o600)).toBe(0o644);
    expect(canonicalMode('file', 0o010)).toBe(0o755);
    expect(canonicalMode('file', 0o001)).toBe(0o755);
  });

  test('never keeps setuid, setgid or sticky', () => {
    expect(canonicalMode('file', 0o7777)).toBe(0o755);
    expect(canonicalMode('file', 0o6644)).toBe(0o644);
    expect(canonicalMode('directory', 0o1777)).toBe(0o755);
  });
});

describe('ArchiveLedger', () => {
  test('counts files, entries and streamed bytes', () => {
    const ledger = new ArchiveLedger(resolveArchiveLimits());
    const entry = ledger.admit(file('a.txt', 10));
    ledger.admit(dir('lib/'));
    expect(entry).toEqual({ name: 'a.txt', kind: 'file', mode: 0o644, size: 10 });
    ledger.countContent(entry!, 4, 4);
    ledger.countContent(entry!, 6, 10);
    expect([ledger.fileCount, ledger.entryCount, ledger.totalBytes]).toEqual([1, 2, 10]);
  });

  test('lets an explicit directory entry follow files already inside it, once', () => {
    const ledger = new ArchiveLedger(resolveArchiveLimits());
    ledger.admit(file('lib/a.js'));
    expect(ledger.admit(dir('lib/'))).toMatchObject({ name: 'lib', kind: 'directory' });
    expect(codeOf(() => ledger.admit(dir('./lib')))).toBe('DH_ERR_BAD_ARCHIVE');
  });

  test('counts directories implied by paths against the entry cap', () => {
    const ledger = new ArchiveLedger(resolveArchiveLimits({ maxEntries: 3 }));
    ledger.admit(file('a/b/c'));
    expect(codeOf(() => ledger.admit(file('a/d')))).toBe('DH_ERR_ARCHIVE_TOO_LARGE');
  });

  test('counts root entries against the entry cap too', () => {
    const ledger = new ArchiveLedger(resolveArchiveLimits({ maxEntries: 2 }));
    ledger.admit(dir('./'));
    ledger.admit(dir('.'));
    expect(codeOf(() => ledger.admit(dir('./')))).toBe('DH_ERR_ARCHIVE_TOO_LARGE');
  });

  test('refuses a body longer than the declared size, and bytes past the caps on the stream', () => {
    const ledger = new ArchiveLedger(resolveArchiveLimits({ maxFileBytes: 100, maxTotalBytes: 150 }));
    const a = ledger.admit(file('a', 100))!;
    expect(codeOf(() => ledger.countContent(a, 101, 101))).toBe('DH_ERR_BAD_ARCHIVE');
    const fresh = new ArchiveLedger(resolveArchiveLimits({ maxFileBytes: 100, maxTotalBytes: 150 }));
    const b = fresh.admit(file('b', 100))!;
    const c = fresh.admit(file('c', 50))!;
    fresh.countContent(b, 100, 100);
    fresh.countContent(c, 50, 50);
    expect(codeOf(() => fresh.admit(file('d', 1)))).toBe('DH_ERR_ARCHIVE_TOO_LARGE');
  });

  test('refuses impossible sizes and directories that claim content', () => {
    const ledger = new ArchiveLedger(resolveArchiveLimits());
    expect(codeOf(() => ledger.admit(file('neg', -1)))).toBe('DH_ERR_BAD_ARCHIVE');
    expect(codeOf(() => ledger.admit({ ...dir('d/'), size: 10 }))).toBe('DH_ERR_BAD_ARCHIVE');
    expect(codeOf(() => ledger.admit({ ...file('./'), type: 'file' }))).toBe('DH_ERR_BAD_ARCHIVE');
  });

  test('grows the tar stream budget with each admitted entry and its size', () => {
    const ledger = new ArchiveLedger(resolveArchiveLimits());
    const before = ledger.tarStreamBudget();
    ledger.admit(file('big', 1_000_000));
    expect(ledger.tarStreamBudget() - before).toBeGreaterThan(1_000_000);
    expect(ledger.tarStreamBudget() - before).toBeLessThan(1_000_000 + 20_000);
  });
});

describe('resolveArchiveLimits', () => {
  test('takes defaults from the core limits and refuses nonsense overrides', () => {
    expect(resolveArchiveLimits().maxEntries).toBe(20_000);
    expect(resolveArchiveLimits({ maxEntries: 5 }).maxEntries).toBe(5);
    expect(() => resolveArchiveLimits({ maxTotalBytes: 0 })).toThrow(RangeError);
  });
});
