import { describe, expect, it } from 'vitest';
import { parseMemorySize } from './memory-size.ts';

describe('memory sizes', () => {
  it('reads bare numbers as MiB and understands k, m, g and t', () => {
    expect(parseMemorySize('2048')).toBe(2048);
    expect(parseMemorySize('512m')).toBe(512);
    expect(parseMemorySize('8g')).toBe(8192);
    expect(parseMemorySize('1.5G')).toBe(1536);
    expect(parseMemorySize('2GiB')).toBe(2048);
    expect(parseMemorySize('1t')).toBe(1_048_576);
    expect(parseMemorySize('2048k')).toBe(2);
  });

  it('refuses sizes it cannot read, and sizes below one MiB', () => {
    for (const bad of ['', 'lots', '-1g', '8x', '0', '100k']) expect(() => parseMemorySize(bad), bad).toThrow(/memory size/);
  });
});
