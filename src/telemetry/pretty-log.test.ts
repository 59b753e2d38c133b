import { describe, expect, it } from 'vitest';
import { formatLogLine } from './pretty-log.ts';

describe('formatLogLine', () => {
  it('prints time, level and message, then task_id and trace_id before other fields', () => {
    const line = JSON.stringify({ level: 30, time: '2026-01-02T03:04:05.678Z', pid: 1, msg: 'task finished', status: 'complete', trace_id: 'abc', task_id: 't1' });
    expect(formatLogLine(line)).toBe('03:04:05.678 INFO  task finished task_id=t1 trace_id=abc status=complete');
  });

  it('quotes values with spaces and shortens errors to type and message', () => {
    const line = JSON.stringify({ level: 40, time: '2026-01-02T03:04:05.678Z', msg: 'x', reason: 'task is done', err: { type: 'Error', message: 'boom', stack: '...' } });
    expect(formatLogLine(line)).toBe('03:04:05.678 WARN  x reason="task is done" err="Error: boom"');
  });

  it('leaves a line that is not JSON alone', () => {
    expect(formatLogLine('plain text')).toBe('plain text');
  });
});
