import { describe, expect, it } from 'vitest';
import { ControlLineSplitter, MAX_CONTROL_LINE_BYTES, parseControlLine } from './control-lines.ts';

function split(chunks: string[], take: (line: string) => boolean = () => true): { text: string; lines: string[]; pieces: string[] } {
  const pieces: string[] = [];
  const lines: string[] = [];
  const splitter = new ControlLineSplitter(
    (data) => pieces.push(data.toString()),
    (line) => {
      lines.push(line);
      return take(line);
    },
  );
  for (const chunk of chunks) splitter.push(Buffer.from(chunk));
  splitter.end();
  return { text: pieces.join(''), lines, pieces };
}

describe('ControlLineSplitter', () => {
  it('takes a control line out of the output and passes everything else through in order', () => {
    const { text, lines } = split(['hello\n##dockhand progress 40 half\nbye\n']);
    expect(text).toBe('hello\nbye\n');
    expect(lines).toEqual(['##dockhand progress 40 half']);
  });

  it('finds a control line split across many chunks', () => {
    const { text, lines } = split(['a\n#', '#dock', 'hand pro', 'gress 1', '0\nb\n']);
    expect(lines).toEqual(['##dockhand progress 10']);
    expect(text).toBe('a\nb\n');
  });

  it('passes ordinary output through at once, without waiting for its newline', () => {
    const { pieces } = split(['partial line without newline']);
    expect(pieces).toEqual(['partial line without newline']);
  });

  it('releases a line that only starts like the prefix as soon as it differs', () => {
    const { text, lines, pieces } = split(['##docker is not us\n', '# a comment\n']);
    expect(lines).toEqual([]);
    expect(text).toBe('##docker is not us\n# a comment\n');
    expect(pieces[0]).toBe('##docker is not us\n');
  });

  it('only recognises the prefix at the start of a line', () => {
    const { text, lines } = split(['say ##dockhand progress 5\n']);
    expect(lines).toEqual([]);
    expect(text).toBe('say ##dockhand progress 5\n');
  });

  it('keeps a refused line in the output', () => {
    const { text } = split(['##dockhand nonsense\nnext\n'], () => false);
    expect(text).toBe('##dockhand nonsense\nnext\n');
  });

  it('gives back a partial candidate line when the stream ends', () => {
    const { text, lines } = split(['##dockhand progress 50']);
    expect(lines).toEqual([]);
    expect(text).toBe('##dockhand progress 50');
  });

  it('treats an over-long candidate line as output', () => {
    const long = `##dockhand span ${'x'.repeat(MAX_CONTROL_LINE_BYTES)}\n`;
    const { text, lines } = split([long]);
    expect(lines).toEqual([]);
    expect(text).toBe(long);
  });

  it('handles a control line on the very first line and back-to-back control lines', () => {
    const { text, lines } = split(['##dockhand progress 1\n##dockhand progress 2\n']);
    expect(lines).toEqual(['##dockhand progress 1', '##dockhand progress 2']);
    expect(text).toBe('');
  });
});

describe('parseControlLine', () => {
  it('reads progress with and without a message', () => {
    expect(parseControlLine('##dockhand progress 40 halfway there')).toEqual({ kind: 'progress', progress: { percent: 40, msg: 'halfway there' } });
    expect(parseControlLine('##dockhand progress 100')).toEqual({ kind: 'progress', progress: { percent: 100 } });
    expect(parseControlLine('##dockhand progress 12.6% rounding')).toEqual({ kind: 'progress', progress: { percent: 13, msg: 'rounding' } });
  });

  it('refuses progress outside 0-100 or not a number', () => {
    expect(parseControlLine('##dockhand progress 140').kind).toBe('invalid');
    expect(parseControlLine('##dockhand progress abc').kind).toBe('invalid');
    expect(parseControlLine('##dockhand progress').kind).toBe('invalid');
  });

  it('reads a span as JSON and refuses a line that is not', () => {
    expect(parseControlLine('##dockhand span {"name":"x","start":1,"end":2}')).toEqual({ kind: 'span', span: { name: 'x', start: 1, end: 2 } });
    expect(parseControlLine('##dockhand span {oops').kind).toBe('invalid');
  });

  it('refuses unknown commands, naming the known ones', () => {
    const parsed = parseControlLine('##dockhand dance');
    expect(parsed).toEqual({ kind: 'invalid', reason: expect.stringContaining('progress, span') });
  });

  it('ignores a carriage return before the newline', () => {
    expect(parseControlLine('##dockhand progress 5 done\r')).toEqual({ kind: 'progress', progress: { percent: 5, msg: 'done' } });
  });
});
