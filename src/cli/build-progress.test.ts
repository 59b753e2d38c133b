import { describe, expect, it } from 'vitest';
import { BuildProgress } from './build-progress.ts';

function fakeStream(): NodeJS.WriteStream & { text: string } {
  const stream = { text: '', columns: 100, isTTY: true, write(chunk: string) { stream.text += chunk; return true; } };
  return stream as unknown as NodeJS.WriteStream & { text: string };
}

/** What the terminal shows after all redraws: the last frame's lines. */
function screen(text: string, rows: number): string[] {
  // eslint-disable-next-line no-control-regex -- the cursor-up and erase-line sequences start with ESC
  const lines = text.split('\n').map((line) => line.replace(/\x1b\[\d+A/g, '').replace(/\x1b\[2K/g, ''));
  return lines.filter((line) => line !== '').slice(-rows);
}

describe('BuildProgress', () => {
  it('draws one line per image with a bar of its build steps, redrawn in place', () => {
    const out = fakeStream();
    const progress = new BuildProgress(out, true);
    progress.event({ image: 'node-20', message: 'waiting for base-trixie', phase: 'waiting' });
    progress.event({ image: 'shell', message: 'up to date: dockhand/stack-shell:1', phase: 'cached' });
    progress.event({ image: 'node-20', message: 'Step 3/4 : RUN apt-get install nodejs', phase: 'building', step: { index: 3, total: 4 } });
    progress.done();
    const [node, shell] = screen(out.text, 2);
    expect(node).toMatch(/^node-20\s+\[#{8}-{8}\] 3\/4\s+\d+s\s+RUN apt-get install nodejs$/);
    expect(shell).toMatch(/^shell\s+\[={16}\] cached\s+up to date/);
    expect(out.text).toContain('\x1b[2A');
  });

  it('writes one plain line per event when the output is not a terminal', () => {
    const out = fakeStream();
    const progress = new BuildProgress(out, false);
    progress.event({ image: 'go-1.24', message: 'Step 1/6 : ARG BASE_IMAGE', step: { index: 1, total: 6 } });
    progress.event({ image: 'go-1.24', message: 'go 1.24.4', phase: 'built' });
    progress.done();
    expect(out.text).toBe('[go-1.24] Step 1/6 : ARG BASE_IMAGE\n[go-1.24] go 1.24.4\n');
  });
});
