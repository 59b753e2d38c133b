/**
 * The progress bar `task queue --wait` draws on stderr from a task's reported progress. In a terminal
 * it redraws one line in place, stepping aside whenever the task's output is printed; otherwise
 * (a pipe, a log file) it prints one line per change.
 *
 *   const bar = new ProgressBar(process.stderr);
 *   bar.update({ percent: 40, msg: 'halfway' });
 *   bar.aside(() => process.stdout.write(line));
 *   bar.done();
 */

export interface ProgressValue {
  percent: number;
  msg?: string;
}

/** `[############------------------]  40% halfway` */
export function renderProgressBar(progress: ProgressValue, width = 30): string {
  const percent = Math.min(100, Math.max(0, progress.percent));
  const filled = Math.round((percent / 100) * width);
  const msg = progress.msg ? ` ${progress.msg}` : '';
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(percent)).padStart(3)}%${msg}`;
}

export class ProgressBar {
  private current: ProgressValue | undefined;
  private drawn = false;

  constructor(private readonly out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }) {}

  update(progress: ProgressValue): void {
    this.current = progress;
    if (this.out.isTTY) this.redraw();
    else this.out.write(`progress ${renderProgressBar(progress)}\n`);
  }

  /** Runs `write` with the bar out of the way, then puts it back. */
  aside(write: () => void): void {
    if (!this.out.isTTY || !this.drawn) {
      write();
      return;
    }
    this.clear();
    write();
    this.redraw();
  }

  /** Leaves the last state on screen as a finished line. */
  done(): void {
    if (this.out.isTTY && this.drawn) this.out.write('\n');
    this.drawn = false;
  }

  private redraw(): void {
    if (!this.current) return;
    const line = renderProgressBar(this.current);
    const max = (this.out.columns ?? 80) - 1;
    this.out.write(`\r\x1b[K${line.length > max ? line.slice(0, max) : line}`);
    this.drawn = true;
  }

  private clear(): void {
    this.out.write('\r\x1b[K');
    this.drawn = false;
  }
}
