import { describe, expect, it } from 'vitest';
import type { OutputChunk } from '../runtime/port.ts';
import { TaskOutput } from './task-output.ts';

class RecordingSink {
  readonly entries: { stream: string; data: string }[] = [];
  write(chunk: OutputChunk): void {
    this.entries.push({ stream: chunk.stream, data: chunk.data.toString() });
  }
  system(line: string): void {
    this.entries.push({ stream: 'system', data: line });
  }
}

const out = (data: string): OutputChunk => ({ stream: 'stdout', data: Buffer.from(data) });
const err = (data: string): OutputChunk => ({ stream: 'stderr', data: Buffer.from(data) });

describe('TaskOutput', () => {
  it('routes progress and span lines to their handlers and keeps them out of the log', () => {
    const sink = new RecordingSink();
    const progress: unknown[] = [];
    const spans: unknown[] = [];
    const output = new TaskOutput(sink, { progress: (p) => progress.push(p), span: (s) => { spans.push(s); return undefined; } });
    output.write(out('start\n##dockhand progress 30 loading\n'));
    output.write(err('##dockhand span {"name":"parse","start":1,"end":2}\nwarn\n'));
    output.end();
    expect(progress).toEqual([{ percent: 30, msg: 'loading' }]);
    expect(spans).toEqual([{ name: 'parse', start: 1, end: 2 }]);
    expect(sink.entries).toEqual([{ stream: 'stdout', data: 'start\n' }, { stream: 'stderr', data: 'warn\n' }]);
  });

  it('keeps a bad control line in the log, followed by a note saying why', () => {
    const sink = new RecordingSink();
    const output = new TaskOutput(sink, {});
    output.write(out('##dockhand progress lots\nafter\n'));
    output.end();
    expect(sink.entries.map((e) => e.stream)).toEqual(['stdout', 'system', 'stdout']);
    expect(sink.entries[0]!.data).toBe('##dockhand progress lots\n');
    expect(sink.entries[1]!.data).toMatch(/ignored ##dockhand line: .*not a number/);
    expect(sink.entries[2]!.data).toBe('after\n');
  });

  it('keeps a refused span line in the log with the reason', () => {
    const sink = new RecordingSink();
    const output = new TaskOutput(sink, { span: () => 'trace_id is not this task\'s trace' });
    output.write(out('##dockhand span {"name":"x"}\n'));
    expect(sink.entries[0]).toEqual({ stream: 'stdout', data: '##dockhand span {"name":"x"}\n' });
    expect(sink.entries[1]!.data).toContain('trace_id is not this task');
  });

  it('splits stdout and stderr independently', () => {
    const sink = new RecordingSink();
    const progress: unknown[] = [];
    const output = new TaskOutput(sink, { progress: (p) => progress.push(p) });
    output.write(out('##dockhand prog'));
    output.write(err('error text\n'));
    output.write(out('ress 5\n'));
    expect(progress).toEqual([{ percent: 5 }]);
    expect(sink.entries).toEqual([{ stream: 'stderr', data: 'error text\n' }]);
  });
});
