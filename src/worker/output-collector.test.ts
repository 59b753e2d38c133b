import { describe, expect, it } from 'vitest';
import type { OutputChunk } from '../runtime/port.ts';
import { OutputCollector, formatBytes } from './output-collector.ts';

const BOUNDARY = 'DOCKHAND-RESULT-0123456789abcdef0123456789abcdef';
const MARKER = `\n${BOUNDARY}\n`;

const out = (text: string): OutputChunk => ({ stream: 'stdout', data: Buffer.from(text) });
const err = (text: string): OutputChunk => ({ stream: 'stderr', data: Buffer.from(text) });

function collector(overrides: { logCapBytes?: number; resultMaxBytes?: number } = {}) {
  const seen: string[] = [];
  const c = new OutputCollector({
    boundary: BOUNDARY,
    logCapBytes: overrides.logCapBytes ?? 1024,
    resultMaxBytes: overrides.resultMaxBytes ?? 1024,
    onLog: (chunk) => seen.push(`${chunk.stream}:${chunk.data.toString()}`),
  });
  return { c, seen };
}

/** The onLog calls with adjacent pieces of one stream joined: what a reader of the live log sees. */
function merged(seen: string[]): string[] {
  const result: string[] = [];
  for (const entry of seen) {
    const last = result.at(-1);
    if (last !== undefined && last.slice(0, 7) === entry.slice(0, 7)) result[result.length - 1] = last + entry.slice(7);
    else result.push(entry);
  }
  return result;
}

describe('OutputCollector', () => {
  it('logs plain output of both streams in arrival order', () => {
    const { c, seen } = collector();
    c.push(out('one\n'));
    c.push(err('two\n'));
    c.push(out('three\n'));
    c.end();
    expect(c.log.toString()).toBe('one\ntwo\nthree\n');
    expect(merged(seen)).toEqual(['stdout:one\n', 'stderr:two\n', 'stdout:three\n']);
    expect(c.hasResult).toBe(false);
    expect(c.result).toBeUndefined();
    expect(c.logTruncated).toBe(false);
  });

  it('strips the marker and captures what follows as the result', () => {
    const { c, seen } = collector();
    c.push(out(`hello\n${MARKER}{"ok":true}`));
    c.end();
    expect(c.log.toString()).toBe('hello\n');
    expect(c.result?.toString()).toBe('{"ok":true}');
    expect(seen.join('')).not.toContain(BOUNDARY);
  });

  it('recognises a marker split across many chunks, one byte at a time', () => {
    const { c } = collector();
    const text = `partial line${MARKER}[1,2,3]`;
    for (const ch of text) c.push(out(ch));
    c.end();
    expect(c.log.toString()).toBe('partial line');
    expect(c.result?.toString()).toBe('[1,2,3]');
  });

  it('holds back only the bytes that could start the marker', () => {
    const { c, seen } = collector();
    c.push(out(`abc\n${BOUNDARY.slice(0, 5)}`));
    expect(seen).toEqual(['stdout:abc']);
    c.push(out('not the marker\n'));
    expect(merged(seen)).toEqual([`stdout:abc\n${BOUNDARY.slice(0, 5)}not the marker`]);
    c.end();
    expect(c.log.toString()).toBe(`abc\n${BOUNDARY.slice(0, 5)}not the marker\n`);
    expect(c.hasResult).toBe(false);
  });

  it('flushes held stdout before a stderr chunk so the order is kept', () => {
    const { c, seen } = collector();
    c.push(out('line\n'));
    c.push(err('oops\n'));
    c.end();
    expect(seen).toEqual(['stdout:line', 'stdout:\n', 'stderr:oops\n']);
    expect(c.log.toString()).toBe('line\noops\n');
  });

  it('flushes held stdout at the end when no marker came', () => {
    const { c } = collector();
    c.push(out('ends with newline\n'));
    expect(c.log.toString()).toBe('ends with newline');
    c.end();
    expect(c.log.toString()).toBe('ends with newline\n');
  });

  it('releases held bytes as log when told the stream went quiet, and still finds a later marker', () => {
    const { c, seen } = collector();
    c.push(out('ready\n'));
    expect(c.holding).toBe(true);
    expect(merged(seen)).toEqual(['stdout:ready']);
    c.flush();
    expect(c.holding).toBe(false);
    expect(merged(seen)).toEqual(['stdout:ready\n']);
    c.push(out(`${MARKER}{"late":1}`));
    c.end();
    expect(c.log.toString()).toBe('ready\n');
    expect(c.result?.toString()).toBe('{"late":1}');
  });

  it('keeps stderr after the marker in the log and stdout after it in the result', () => {
    const { c } = collector();
    c.push(out(`x${MARKER}{"a":`));
    c.push(err('late warning\n'));
    c.push(out('1}'));
    c.end();
    expect(c.log.toString()).toBe('xlate warning\n');
    expect(c.result?.toString()).toBe('{"a":1}');
  });

  it('treats an empty result after the marker as an empty result, not no result', () => {
    const { c } = collector();
    c.push(out(MARKER));
    c.end();
    expect(c.hasResult).toBe(true);
    expect(c.result?.length).toBe(0);
    expect(c.log.length).toBe(0);
  });

  it('signals the cap, keeps exactly the cap and ends the log with a notice', () => {
    const { c, seen } = collector({ logCapBytes: 10 });
    expect(c.push(out('12345'))).toBe('ok');
    expect(c.push(err('67890'))).toBe('ok');
    expect(c.push(out('abc'))).toBe('cap-exceeded');
    expect(c.push(out('more'))).toBe('cap-exceeded');
    c.end();
    expect(c.logTruncated).toBe(true);
    expect(c.log.toString()).toBe('1234567890\n[dockhand] log exceeded 10 bytes; the task was killed\n');
    expect(seen.at(-1)).toBe('stderr:\n[dockhand] log exceeded 10 bytes; the task was killed\n');
  });

  it('names the cap in MiB when it is a whole number of MiB', () => {
    const { c } = collector({ logCapBytes: 1024 * 1024 });
    c.push(out(`${'x'.repeat(1024 * 1024 - 1)}\n`));
    c.push(out('y'));
    c.end();
    expect(c.log.toString().endsWith('\n[dockhand] log exceeded 1 MiB; the task was killed\n')).toBe(true);
    expect(c.log.length).toBe(1024 * 1024 + '[dockhand] log exceeded 1 MiB; the task was killed\n'.length);
  });

  it('drops a result larger than its cap and says so', () => {
    const { c } = collector({ resultMaxBytes: 4 });
    c.push(out(`${MARKER}123`));
    c.push(out('45'));
    c.end();
    expect(c.hasResult).toBe(true);
    expect(c.resultTooLarge).toBe(true);
    expect(c.result).toBeUndefined();
  });

  it('refuses output after the end and a boundary that is not one line', () => {
    const { c } = collector();
    c.end();
    expect(() => c.push(out('x'))).toThrow(/after end/);
    expect(() => new OutputCollector({ boundary: 'a\nb', logCapBytes: 1, resultMaxBytes: 1 })).toThrow(/one non-empty line/);
  });
});

describe('formatBytes', () => {
  it('uses the largest whole binary unit, else one decimal, else bytes', () => {
    expect(formatBytes(1024 * 1024)).toBe('1 MiB');
    expect(formatBytes(64 * 1024)).toBe('64 KiB');
    expect(formatBytes(16 * 1024 * 1024 * 1024)).toBe('16 GiB');
    expect(formatBytes(1536 * 1024)).toBe('1.5 MiB');
    expect(formatBytes(1000)).toBe('1000 bytes');
  });
});
