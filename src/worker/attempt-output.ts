/**
 * Everything a running attempt prints, handled in one place: output goes to the task's log (batched
 * by LogSink), except control lines, which become progress on the task record or spans in its
 * trace (see control-lines.ts). Same surface as LogSink, so the attempt code reads the same.
 *
 *   const log = new AttemptOutput(ctx, task, telemetry);
 *   runAttempt(runtime, { ..., onLog: (chunk) => log.write(chunk) });
 *   log.system('[dockhand] task exceeded its timeout');
 *   await log.close();   // flushes held lines, the last progress and the log
 */
import type { Task } from '../core/model.ts';
import type { OutputChunk } from '../runtime/port.ts';
import type { AppContext } from '../service/context.ts';
import type { AttemptTelemetry } from '../telemetry/attempt-telemetry.ts';
import { LogSink } from './log-sink.ts';
import { ProgressReporter } from './progress-reporter.ts';
import { TaskOutput } from './task-output.ts';

export class AttemptOutput {
  private readonly sink: LogSink;
  private readonly progress: ProgressReporter;
  private readonly output: TaskOutput;
  private ended = false;

  constructor(ctx: AppContext, task: Task, telemetry: AttemptTelemetry) {
    this.sink = new LogSink(ctx.logs, task.id, 50, (err) => telemetry.logger.warn({ err }, 'log write failed'));
    this.progress = new ProgressReporter(
      async (progress) => {
        if (await ctx.tasks.update(task.id, { percent: progress.percent, ...(progress.msg !== undefined ? { msg: progress.msg } : {}) })) {
          ctx.metrics.progressUpdates.inc({ source: 'line' });
        }
      },
      (err) => telemetry.logger.warn({ err }, 'progress write failed'),
    );
    this.output = new TaskOutput(this.sink, {
      progress: (p) => this.progress.report(p),
      span: (span) => telemetry.ingestTaskSpan(span),
    });
  }

  write(chunk: OutputChunk): void {
    this.output.write(chunk);
  }

  system(line: string): void {
    this.sink.system(line);
  }

  async close(): Promise<void> {
    this.endOutput();
    await this.progress.settled();
    await this.sink.close();
  }

  /** The task's output is over: a held partial line is log. */
  private endOutput(): void {
    if (this.ended) return;
    this.ended = true;
    this.output.end();
  }
}
