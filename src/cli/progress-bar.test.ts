import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ProgressBar, renderProgressBar } from './progress-bar.ts';

class Capture extends Writable {
  text = '';
  constructor(readonly isTTY: boolean) { super(); }
  override _write(chunk: Buffer, _e: BufferEncoding, done: () => void): void { this.text += chunk.toString(); done(); }
}

describe('renderProgressBar', () => {
  it('fills the bar in proportion and shows the percent and message', () => {
    expect(renderProgressBar({ percent: 40, msg: 'halfway' }, 10)).toBe('[####------]  40% halfway');
    expect(renderProgressBar({ percent: 100 }, 4)).toBe('[####] 100%');
    expect(renderProgressBar({ percent: 0 }, 4)).toBe('[----]   0%');
  });
});

describe('ProgressBar', () => {
  it('prints one line per change when not on a terminal', () => {
    const out = new Capture(false);
    const bar = new ProgressBar(out);
    bar.update({ percent: 10 });
    bar.aside(() => out.write('log line\n'));
    bar.update({ percent: 90, msg: 'nearly' });
    expect(out.text.split('\n')).toEqual([`progress ${renderProgressBar({ percent: 10 })}`, 'log line', `progress ${renderProgressBar({ percent: 90, msg: 'nearly' })}`, '']);
  });

  it('redraws in place on a terminal and steps aside for output', () => {
    const out = new Capture(true);
    const bar = new ProgressBar(out);
    bar.update({ percent: 50 });
    bar.aside(() => out.write('line\n'));
    bar.done();
    expect(out.text).toBe(`\r\x1b[K${renderProgressBar({ percent: 50 })}\r\x1b[Kline\n\r\x1b[K${renderProgressBar({ percent: 50 })}\n`);
  });
});
