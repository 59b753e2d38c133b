/**
 * Records the progress a task prints (`##dockhand progress …`) on its record. A task may print
 * progress in a tight loop; at most one write is in flight, and while it is, newer reports replace
 * each other, so the record ends on the latest and Redis sees a few writes a second at most.
 * Failures are reported once and never reach the task.
 *
 *   const progress = new ProgressReporter((p) => ctx.tasks.update(taskId, p), onError);
 *   progress.report({ percent: 40, msg: 'halfway' });
 *   await progress.settled();
 */
import type { Progress } from '../core/schemas/progress.ts';

export class ProgressReporter {
  private latest: Progress | undefined;
  private writing: Promise<void> | undefined;
  private failed = false;
  private hurry = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly write: (progress: Progress) => Promise<unknown>,
    private readonly onError: (err: unknown) => void = () => {},
    private readonly minIntervalMs = 200,
  ) {}

  report(progress: Progress): void {
    this.latest = progress;
    this.writing ??= this.drain();
  }

  /** Writes the latest report now (no more spacing) and resolves once it is written or given up on. */
  async settled(): Promise<void> {
    this.hurry = true;
    this.wake?.();
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    try {
      while (this.latest) {
        const next = this.latest;
        this.latest = undefined;
        const started = Date.now();
        try {
          await this.write(next);
        } catch (err) {
          if (!this.failed) this.onError(err);
          this.failed = true;
        }
        const wait = this.minIntervalMs - (Date.now() - started);
        if (this.latest && wait > 0 && !this.hurry) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, wait);
            this.wake = () => { clearTimeout(timer); resolve(); };
          });
          this.wake = undefined;
        }
      }
    } finally {
      this.writing = undefined;
    }
  }
}
