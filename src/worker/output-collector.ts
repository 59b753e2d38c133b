/**
 * Sorts a task's output into its log and its result. The base image's entry script prints the result
 * file on stdout after a line holding a one-time boundary (`\n<boundary>\n`), so everything on stdout
 * from that marker on is the result and never reaches the log. Only stdout bytes that could still turn
 * out to be the start of the marker are held back; a stderr chunk or the end flushes them, so the log
 * keeps the order the task wrote in. Past the log cap it stops logging and tells the caller to kill.
 * Pure: no I/O, the caller feeds chunks and reads the state.
 *
 *   const out = new OutputCollector({ boundary, logCapBytes: MiB, resultMaxBytes: MiB, onLog });
 *   for await (const chunk of output) if (out.push(chunk) === 'cap-exceeded') await handle.kill();
 *   out.end(); // out.log, out.result, out.logTruncated
 */
import type { OutputChunk, OutputStream } from '../runtime/port.ts';

export interface OutputCollectorOptions {
  boundary: string;
  logCapBytes: number;
  resultMaxBytes: number;
  /** Called with each piece of log as soon as it is known not to be part of the result marker. */
  onLog?: (chunk: OutputChunk) => void;
}

export type PushSignal = 'ok' | 'cap-exceeded';

export class OutputCollector {
  private readonly marker: Buffer;
  private readonly logParts: Buffer[] = [];
  private logBytes = 0;
  private readonly resultParts: Buffer[] = [];
  private resultBytes = 0;
  /** Tail of stdout that is a proper prefix of the marker, not yet known to be log. */
  private held: Buffer = Buffer.alloc(0);
  private markerSeen = false;
  private capExceeded = false;
  private resultOverflow = false;
  private ended = false;

  constructor(private readonly options: OutputCollectorOptions) {
    if (options.boundary === '' || options.boundary.includes('\n')) throw new Error('The result boundary must be one non-empty line.');
    this.marker = Buffer.from(`\n${options.boundary}\n`);
  }

  push(chunk: OutputChunk): PushSignal {
    if (this.ended) throw new Error('OutputCollector received output after end().');
    if (chunk.stream === 'stderr') {
      this.flushHeld();
      this.appendLog('stderr', chunk.data);
    } else if (this.markerSeen) {
      this.appendResult(chunk.data);
    } else {
      this.pushStdout(chunk.data);
    }
    return this.capExceeded ? 'cap-exceeded' : 'ok';
  }

  /**
   * The stream went quiet: what is held is log after all. The entry script prints the marker with one
   * small write, which a pipe delivers whole, so a pause cannot fall inside it; calling this after a
   * short idle spell keeps a live log from lagging by its last newline.
   */
  flush(): void {
    this.flushHeld();
  }

  /** True while stdout bytes are held back as a possible start of the marker. */
  get holding(): boolean {
    return this.held.length > 0;
  }

  /** The output is over: held bytes were log after all; a cap notice closes a truncated log. */
  end(): void {
    if (this.ended) return;
    this.flushHeld();
    this.ended = true;
    if (this.capExceeded) {
      const notice = Buffer.from(`${this.logBytes > 0 && !this.lastLogEndsWithNewline() ? '\n' : ''}[dockhand] log exceeded ${formatBytes(this.options.logCapBytes)}; the task was killed\n`);
      this.logParts.push(notice);
      this.options.onLog?.({ stream: 'stderr', data: notice });
    }
  }

  get log(): Buffer {
    return Buffer.concat(this.logParts);
  }

  get logTruncated(): boolean {
    return this.capExceeded;
  }

  /** True once the result marker was seen, even if the result is empty. */
  get hasResult(): boolean {
    return this.markerSeen;
  }

  /** The bytes after the marker, or undefined when there was no marker or the result was too big. */
  get result(): Buffer | undefined {
    if (!this.markerSeen || this.resultOverflow) return undefined;
    return Buffer.concat(this.resultParts);
  }

  get resultTooLarge(): boolean {
    return this.resultOverflow;
  }

  private pushStdout(data: Buffer): void {
    const bytes = this.held.length === 0 ? data : Buffer.concat([this.held, data]);
    this.held = Buffer.alloc(0);
    const at = bytes.indexOf(this.marker);
    if (at >= 0) {
      this.appendLog('stdout', bytes.subarray(0, at));
      this.markerSeen = true;
      this.appendResult(bytes.subarray(at + this.marker.length));
      return;
    }
    const keep = this.partialMarkerSuffix(bytes);
    this.appendLog('stdout', bytes.subarray(0, bytes.length - keep));
    if (keep > 0) this.held = Buffer.from(bytes.subarray(bytes.length - keep));
  }

  /** Length of the longest suffix of `bytes` that is a proper prefix of the marker. */
  private partialMarkerSuffix(bytes: Buffer): number {
    for (let length = Math.min(this.marker.length - 1, bytes.length); length > 0; length--) {
      if (bytes.subarray(bytes.length - length).equals(this.marker.subarray(0, length))) return length;
    }
    return 0;
  }

  private flushHeld(): void {
    if (this.held.length === 0) return;
    const held = this.held;
    this.held = Buffer.alloc(0);
    this.appendLog('stdout', held);
  }

  private appendLog(stream: OutputStream, data: Buffer): void {
    if (data.length === 0 || this.capExceeded) return;
    const room = this.options.logCapBytes - this.logBytes;
    const kept = data.length > room ? data.subarray(0, room) : data;
    if (data.length > room) this.capExceeded = true;
    if (kept.length === 0) return;
    const copy = Buffer.from(kept);
    this.logParts.push(copy);
    this.logBytes += copy.length;
    this.options.onLog?.({ stream, data: copy });
  }

  private appendResult(data: Buffer): void {
    if (data.length === 0 || this.resultOverflow) return;
    if (this.resultBytes + data.length > this.options.resultMaxBytes) {
      // A partial result would be corrupt JSON; drop it all and let the caller say why.
      this.resultOverflow = true;
      this.resultParts.length = 0;
      return;
    }
    this.resultParts.push(Buffer.from(data));
    this.resultBytes += data.length;
  }

  private lastLogEndsWithNewline(): boolean {
    const last = this.logParts.at(-1);
    return last !== undefined && last[last.length - 1] === 0x0a;
  }
}

/** `1048576` -> `1 MiB`, `1572864` -> `1.5 MiB`, `1000` -> `1000 bytes`. */
export function formatBytes(bytes: number): string {
  const units: Array<[string, number]> = [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]];
  for (const [unit, size] of units) {
    if (bytes >= size) return `${bytes % size === 0 ? bytes / size : (bytes / size).toFixed(1)} ${unit}`;
  }
  return `${bytes} bytes`;
}
