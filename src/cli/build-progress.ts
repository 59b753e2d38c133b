/**
 * Build progress on stderr. On a terminal: one line per image, redrawn in place, with a bar of the
 * builder's `Step N/M` and the step being run. Elsewhere (CI logs, pipes): one plain line per event,
 * so a log keeps every step.
 *
 *   const progress = new BuildProgress(process.stderr);
 *   await buildStacks(docker, catalog, names, { onEvent: (e) => progress.event(e) });
 *   progress.done();
 */
import type { BuildEvent } from '../stacks/build.ts';

interface Row {
  state: NonNullable<BuildEvent['phase']>;
  step?: { index: number; total: number };
  text: string;
  startedAt: number;
  endedAt?: number;
}

const BAR_WIDTH = 16;

export class BuildProgress {
  private readonly rows = new Map<string, Row>();
  private drawn = 0;
  private readonly live: boolean;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly out: NodeJS.WriteStream = process.stderr, live?: boolean) {
    this.live = live ?? (out.isTTY === true && process.env.TERM !== 'dumb');
    // Redraws at most a few times a second; elapsed times tick even when no step changes.
    if (this.live) this.timer = setInterval(() => this.draw(), 500).unref();
  }

  event(event: BuildEvent): void {
    if (!this.live) {
      this.out.write(`[${event.image}] ${event.message}\n`);
      return;
    }
    const row = this.rows.get(event.image) ?? { state: 'waiting', text: '', startedAt: Date.now() };
    if (event.phase) {
      if (event.phase === 'building' && row.state === 'waiting') row.startedAt = Date.now();
      row.state = event.phase;
      if (event.phase === 'built' || event.phase === 'failed' || event.phase === 'cached') row.endedAt ??= Date.now();
    }
    if (event.step) row.step = event.step;
    row.text = event.step ? event.message.replace(/^Step \d+\/\d+ : /, '') : event.message;
    this.rows.set(event.image, row);
    this.draw();
  }

  done(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.live) this.draw();
  }

  private draw(): void {
    const columns = this.out.columns || 120;
    const width = Math.max(...[...this.rows.keys()].map((name) => name.length), 8);
    const lines = [...this.rows.entries()].map(([name, row]) => truncate(`${name.padEnd(width)}  ${bar(row)}  ${elapsed(row)}  ${row.text.replace(/\s+/g, ' ')}`, columns - 1));
    let output = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
    for (const line of lines) output += `\x1b[2K${line}\n`;
    this.out.write(output);
    this.drawn = lines.length;
  }
}

function bar(row: Row): string {
  if (row.state === 'cached') return `[${'='.repeat(BAR_WIDTH)}] cached`;
  if (row.state === 'built') return `[${'='.repeat(BAR_WIDTH)}] built `;
  if (row.state === 'failed') return `[${'!'.repeat(BAR_WIDTH)}] FAILED`;
  if (row.state === 'waiting') return `[${' '.repeat(BAR_WIDTH)}] wait  `;
  const done = row.step ? Math.round((BAR_WIDTH * (row.step.index - 1)) / row.step.total) : 0;
  const label = row.step ? `${row.step.index}/${row.step.total}` : '';
  return `[${'#'.repeat(done)}${'-'.repeat(BAR_WIDTH - done)}] ${label.padEnd(6)}`;
}

function elapsed(row: Row): string {
  if (row.state === 'waiting' || row.state === 'cached') return '     ';
  return `${Math.round(((row.endedAt ?? Date.now()) - row.startedAt) / 1000)}s`.padStart(5);
}

function truncate(line: string, max: number): string {
  return line.length <= max ? line : `${line.slice(0, Math.max(0, max - 1))}…`;
}
