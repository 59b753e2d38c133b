/**
 * Batches a running task's output into the LogStore: at most one write every `flushMs`, so a chatty
 * task costs a few Redis round trips a second rather than one per chunk. Decodes each stream with its
 * own UTF-8 decoder, so a character split across chunks is not mangled.
 */
import { StringDecoder } from 'node:string_decoder';
import type { LogEntry, LogStore } from '../store/ports.ts';
import type { OutputChunk } from '../runtime/port.ts';

export class LogSink {
  private pending: { stream: LogEntry['stream']; data: string }[] = [];
  private readonly decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly logs: LogStore, private readonly taskId: string, private readonly flushMs = 50, private readonly onError: (err: unknown) => void = () => {}) {}

  write(chunk: OutputChunk): void {
    const text = this.decoders[chunk.stream].write(chunk.data);
    if (text) this.push(chunk.stream, text);
  }

  system(line: string): void {
    this.push('system', line.endsWith('\n') ? line : `${line}\n`);
  }

  private push(stream: LogEntry['stream'], data: string): void {
    const last = this.pending[this.pending.length - 1];
    if (last && last.stream === stream) last.data += data;
    else this.pending.push({ stream, data });
    this.timer ??= setTimeout(() => { this.timer = undefined; void this.flushNow(); }, this.flushMs);
  }

  private flushNow(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return this.writing;
    this.writing = this.writing.then(() => this.logs.append(this.taskId, batch)).catch(this.onError);
    return this.writing;
  }

  /** Writes everything still buffered, including a trailing partial character. */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const stream of ['stdout', 'stderr'] as const) {
      const rest = this.decoders[stream].end();
      if (rest) this.push(stream, rest);
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flushNow();
  }
}
