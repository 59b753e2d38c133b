import { describe, expect, it } from 'vitest';
import type { Progress } from '../core/schemas/progress.ts';
import { ProgressReporter } from './progress-reporter.ts';

describe('ProgressReporter', () => {
  it('writes the first report at once and coalesces the ones that arrive while it is written', async () => {
    const written: Progress[] = [];
    let release: () => void = () => {};
    const reporter = new ProgressReporter(async (p) => {
      written.push(p);
      if (written.length === 1) await new Promise<void>((resolve) => { release = resolve; });
    }, undefined, 0);
    reporter.report({ percent: 1 });
    for (let i = 2; i <= 50; i++) reporter.report({ percent: i });
    release();
    await reporter.settled();
    expect(written).toEqual([{ percent: 1 }, { percent: 50 }]);
  });

  it('ends on the latest report when settled, without waiting out the spacing', async () => {
    const written: number[] = [];
    const reporter = new ProgressReporter(async (p) => { written.push(p.percent); }, undefined, 60_000);
    reporter.report({ percent: 10 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    reporter.report({ percent: 20 });
    reporter.report({ percent: 30 });
    const started = Date.now();
    await reporter.settled();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(written.at(-1)).toBe(30);
  });

  it('reports a failing write once and keeps going', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const reporter = new ProgressReporter(async () => { calls++; throw new Error('redis down'); }, (e) => errors.push(e), 0);
    reporter.report({ percent: 1 });
    await reporter.settled();
    reporter.report({ percent: 2 });
    await reporter.settled();
    expect(calls).toBe(2);
    expect(errors).toHaveLength(1);
  });
});
