/**
 * The line protocol a task without network uses to talk to its worker: a whole line on stdout or
 * stderr that starts with `##dockhand `:
 *
 *   ##dockhand progress 40 halfway there        -> the task's percent and msg
 *   ##dockhand span {"name":"parse","start":1732380000123.4,"end":1732380000456.7}
 *                                               -> a span in the task's trace (child of `run`)
 *
 * Such lines are taken out of the log. A line with the prefix but a bad command or arguments stays
 * in the log, so nothing the task printed is lost. Only bytes at the start of a line that could still
 * become the prefix are held back; all other output passes through at once, so a live log does not
 * lag. Pure: the caller feeds chunks and gets text and commands back through callbacks.
 *
 *   const split = new ControlLineSplitter((text) => sink(text), (line) => handle(parseControlLine(line)));
 *   split.push(chunk); ... split.end();
 */
import { ProgressSchema, type Progress } from '../core/schemas/progress.ts';

export const CONTROL_PREFIX = '##dockhand ';
const PREFIX = Buffer.from(CONTROL_PREFIX);
const NEWLINE = 0x0a;

/** Longer lines are never control lines; they are log. */
export const MAX_CONTROL_LINE_BYTES = 64 * 1024;

export type ControlCommand =
  | { kind: 'progress'; progress: Progress }
  | { kind: 'span'; span: unknown }
  | { kind: 'invalid'; reason: string };

/** Parses one line (without its newline) that starts with the prefix. */
export function parseControlLine(line: string): ControlCommand {
  const body = line.slice(CONTROL_PREFIX.length).replace(/\r$/, '');
  const space = body.indexOf(' ');
  const command = space < 0 ? body : body.slice(0, space);
  const rest = space < 0 ? '' : body.slice(space + 1);
  switch (command) {
    case 'progress': {
      const match = /^\s*(\S+)(?:\s+(.*))?$/.exec(rest);
      if (!match) return { kind: 'invalid', reason: 'progress needs a percentage: ##dockhand progress <0-100> [message]' };
      const raw = match[1]!.replace(/%$/, '');
      if (!/^\d+(\.\d+)?$/.test(raw)) return { kind: 'invalid', reason: `progress percentage "${match[1]}" is not a number from 0 to 100` };
      const parsed = ProgressSchema.safeParse({ percent: Number(raw), ...(match[2]?.trim() ? { msg: match[2].trim() } : {}) });
      if (!parsed.success) return { kind: 'invalid', reason: parsed.error.issues[0]?.message ?? 'invalid progress' };
      return { kind: 'progress', progress: parsed.data };
    }
    case 'span': {
      try {
        return { kind: 'span', span: JSON.parse(rest) as unknown };
      } catch {
        return { kind: 'invalid', reason: 'span needs one JSON object on the same line: ##dockhand span {"name":…,"start":…,"end":…}' };
      }
    }
    default:
      return { kind: 'invalid', reason: `unknown command "${command}" (known: progress, span)` };
  }
}

export class ControlLineSplitter {
  private atLineStart = true;
  private held: Buffer[] = [];
  private heldBytes = 0;

  /**
   * `onText` receives output that is log; `onLine` receives each complete candidate line (without
   * the newline) and returns true when it took the line, false to keep it in the log.
   */
  constructor(
    private readonly onText: (data: Buffer) => void,
    private readonly onLine: (line: string) => boolean,
  ) {}

  push(data: Buffer): void {
    let at = 0;
    while (at < data.length) {
      if (this.heldBytes > 0) {
        at = this.continueCandidate(data, at);
      } else if (this.atLineStart && data[at] === PREFIX[0]) {
        at = this.continueCandidate(data, at);
      } else {
        const newline = data.indexOf(NEWLINE, at);
        const end = newline < 0 ? data.length : newline + 1;
        this.onText(data.subarray(at, end));
        this.atLineStart = newline >= 0;
        at = end;
      }
    }
  }

  /** The stream ended: a partial candidate line is log after all. */
  end(): void {
    this.release();
  }

  private continueCandidate(data: Buffer, from: number): number {
    const newline = data.indexOf(NEWLINE, from);
    const end = newline < 0 ? data.length : newline + 1;
    this.held.push(data.subarray(from, end));
    this.heldBytes += end - from;
    const line = this.held.length === 1 ? this.held[0]! : Buffer.concat(this.held);
    const compared = Math.min(line.length, PREFIX.length);
    if (!line.subarray(0, compared).equals(PREFIX.subarray(0, compared)) || this.heldBytes > MAX_CONTROL_LINE_BYTES) {
      this.release();
      this.atLineStart = newline >= 0;
      return end;
    }
    if (newline >= 0) {
      const complete = line.subarray(0, line.length - 1).toString('utf8');
      let taken = false;
      if (line.length - 1 >= PREFIX.length) {
        try {
          taken = this.onLine(complete);
        } catch {
          taken = false;
        }
      }
      if (taken) this.clear();
      else this.release();
      this.atLineStart = true;
    }
    return end;
  }

  private release(): void {
    if (this.heldBytes === 0) return;
    const held = this.held.length === 1 ? this.held[0]! : Buffer.concat(this.held);
    this.clear();
    this.onText(held);
  }

  private clear(): void {
    this.held = [];
    this.heldBytes = 0;
  }
}
