/**
 * Where a running task's output goes: control lines (`##dockhand progress …`, `##dockhand span …`,
 * see control-lines.ts) to their handlers, everything else to the log sink, per stream and in
 * order. A control line with bad arguments stays in the log, followed by a system note saying why
 * it was ignored.
 *
 *   const output = new TaskOutput(log, { progress: (p) => reporter.report(p), span: (s) => trace.ingest(s) });
 *   runAttempt(runtime, { ..., onLog: (chunk) => output.write(chunk) });
 *   output.end(); await log.close();
 */
import type { Progress } from '../core/schemas/progress.ts';
import type { OutputChunk, OutputStream } from '../runtime/port.ts';
import { ControlLineSplitter, parseControlLine } from './control-lines.ts';

export interface OutputSink {
  write(chunk: OutputChunk): void;
  system(line: string): void;
}

export interface ControlHandlers {
  progress?: (progress: Progress) => void;
  /** Returns a reason when the span was refused. */
  span?: (span: unknown) => string | undefined;
}

export class TaskOutput {
  private readonly splitters: Record<OutputStream, ControlLineSplitter>;
  private pendingNote: string | undefined;

  constructor(private readonly sink: OutputSink, private readonly handlers: ControlHandlers) {
    this.splitters = {
      stdout: this.splitter('stdout'),
      stderr: this.splitter('stderr'),
    };
  }

  write(chunk: OutputChunk): void {
    this.splitters[chunk.stream].push(chunk.data);
  }

  /** The output is over; a held partial line becomes log. */
  end(): void {
    this.splitters.stdout.end();
    this.splitters.stderr.end();
  }

  private splitter(stream: OutputStream): ControlLineSplitter {
    return new ControlLineSplitter(
      (data) => {
        this.sink.write({ stream, data });
        // A refused line is released as log right after take() returns; its note follows it.
        const note = this.pendingNote;
        this.pendingNote = undefined;
        if (note !== undefined) this.sink.system(`[dockhand] ${note}`);
      },
      (line) => this.take(line),
    );
  }

  private take(line: string): boolean {
    const command = parseControlLine(line);
    switch (command.kind) {
      case 'progress':
        this.handlers.progress?.(command.progress);
        return true;
      case 'span': {
        const refused = this.handlers.span?.(command.span);
        if (refused === undefined) return true;
        this.noteAfter(`ignored ##dockhand span line: ${refused}`);
        return false;
      }
      case 'invalid':
        this.noteAfter(`ignored ##dockhand line: ${command.reason}`);
        return false;
    }
  }

  private noteAfter(note: string): void {
    this.pendingNote = note;
  }
}
