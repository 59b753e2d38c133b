import { describe, expect, it } from 'vitest';
import { extractVersion, keepsPromise } from './version.ts';

describe('extractVersion', () => {
  it('finds the dotted version in what language tools print', () => {
    expect(extractVersion('v20.19.2\n')).toBe('20.19.2');
    expect(extractVersion('Python 3.13.5')).toBe('3.13.5');
    expect(extractVersion('GNU bash, version 5.2.37(1)-release (x86_64-pc-linux-gnu)\nCopyright (C) 2022')).toBe('5.2.37');
  });

  it('finds nothing when no dotted number is printed', () => {
    expect(extractVersion('command not found')).toBeUndefined();
    expect(extractVersion('release 7')).toBeUndefined();
  });
});

describe('keepsPromise', () => {
  it('holds when the read version is the promised one or a patch of it', () => {
    expect(keepsPromise('20', '20.19.2')).toBe(true);
    expect(keepsPromise('3.13', '3.13.5')).toBe(true);
    expect(keepsPromise('3.13', '3.13')).toBe(true);
    expect(keepsPromise(undefined, '5.2.37')).toBe(true);
  });

  it('breaks when the major or minor differs, including prefixes that are not whole parts', () => {
    expect(keepsPromise('20', '22.1.0')).toBe(false);
    expect(keepsPromise('3.1', '3.13.5')).toBe(false);
    expect(keepsPromise('2', '20.1.0')).toBe(false);
  });
});
