/**
 * The loop behind `dockhand dev`: each change uploads the directory as a new revision and runs one
 * task of it, over the HTTP API only (no shared filesystem or Docker on this machine), against
 * whichever server the CLI points at. At most one run at a time: a change while a task runs cancels it
 * and the newest code runs next; changes during an upload coalesce into one more run. `stop()` leaves
 * nothing behind: no task of the session running, and the revision that was current before the session
 * current again (or, for a package the session created, no package), unless `keep`.
 *
 *   const session = new DevSession(client, { dir, name, stack, payload: () => ({}), keep: false }, report);
 *   await session.start();            // starts the first run
 *   session.changed(['index.js']);   // from the watcher
 *   await session.stop();             // Ctrl-C
 */
import { performance } from 'node:perf_hooks';
import type { CodeRevision, Dockhand, UploadOptions } from '../../sdk/index.ts';
import { DockhandApiError } from '../../sdk/index.ts';
import type { DevReporter } from './dev-events.ts';

export interface DevOptions {
  dir: string;
  name: string;
  stack: string;
  /** The payload of each run, read again for every run (a payload file may change too). */
  payload: () => unknown;
  /** Leave the last dev revision current on stop. */
  keep: boolean;
}

export class DevSession {
  /** The package's current revision before the session's first upload; null: there was no package. */
  private before: CodeRevision | null | undefined;
  private uploaded = false;
  private pending = false;
  private stopped = false;
  private savedAt = 0;
  private runningTask: string | undefined;
  private cycles: Promise<void> | undefined;

  constructor(private readonly client: Dockhand, private readonly options: DevOptions, private readonly report: DevReporter) {}

  async start(): Promise<void> {
    this.before = await this.client.codes.get(this.options.name).catch((err: unknown) => {
      if (err instanceof DockhandApiError && err.status === 404) return null;
      throw err;
    });
    this.report({ event: 'watching', dir: this.options.dir, name: this.options.name, ...(this.before ? { previous_rev: this.before.rev } : {}) });
    this.changed([]);
  }

  /** A change to the directory (or the start): run the newest code, cancelling a run in progress. */
  changed(paths: string[]): void {
    if (this.stopped) return;
    this.savedAt = performance.now();
    this.pending = true;
    if (paths.length > 0) this.report({ event: 'change', paths });
    this.cancelRunning();
    this.cycles ??= this.drain().finally(() => {
      this.cycles = undefined;
    });
  }

  /** Cancels the running task, waits for the loop, and puts back what was current before. */
  async stop(): Promise<void> {
    this.stopped = true;
    const cancelled = this.runningTask;
    if (cancelled) await this.client.tasks.cancel(cancelled).catch(() => undefined);
    await this.cycles;
    const outcome = this.options.keep || !this.uploaded ? {} : await this.restore();
    this.report({ event: 'stopped', ...(cancelled ? { cancelled } : {}), ...outcome, kept: this.options.keep && this.uploaded });
  }

  private async restore(): Promise<{ restored_rev?: number; deleted?: boolean }> {
    if (this.before === null) {
      await this.client.codes.delete(this.options.name);
      return { deleted: true };
    }
    if (!this.before) return {};
    const restored = await this.client.codes.restore(this.options.name, this.before.rev);
    return { restored_rev: restored.rev };
  }

  private cancelRunning(): void {
    const taskId = this.runningTask;
    if (!taskId) return;
    this.report({ event: 'cancelling', task_id: taskId });
    // The follow of its log ends when the task does; a task that just finished cannot be cancelled.
    this.client.tasks.cancel(taskId).catch(() => undefined);
  }

  private async drain(): Promise<void> {
    while (this.pending && !this.stopped) {
      this.pending = false;
      await this.cycle(this.savedAt).catch((err: unknown) => {
        this.report({ event: 'error', code: err instanceof DockhandApiError ? err.code : 'DH_ERR_UNKNOWN', message: err instanceof Error ? err.message : String(err) });
      });
    }
  }

  /** One upload and, unless a newer change came in meanwhile, one run of it. */
  private async cycle(savedAt: number): Promise<void> {
    const upload: UploadOptions = { name: this.options.name, stack: this.options.stack };
    const uploadStart = performance.now();
    const revision = await this.client.codes.upload(this.options.dir, upload, { onBuildLog: (line) => this.report({ event: 'build-log', line }) });
    this.uploaded = true;
    this.report({ event: 'uploaded', revision, upload_ms: Math.round(performance.now() - uploadStart) });
    if (this.pending || this.stopped) return;

    const task = await this.client.tasks.queue(this.options.name, { payload: this.options.payload() });
    this.runningTask = task.id;
    this.report({ event: 'queued', task_id: task.id });
    // A change that arrived while the task was being queued found nothing to cancel yet.
    if (this.pending || this.stopped) this.cancelRunning();
    let firstOutput: number | undefined;
    try {
      for await (const line of this.client.tasks.logs(task.id, { follow: true })) {
        if (line.stream !== 'system') firstOutput ??= performance.now() - savedAt;
        this.report({ event: 'log', stream: line.stream, data: line.data });
      }
      const done = await this.client.tasks.wait(task.id);
      const saveToFinish = performance.now() - savedAt;
      const { spans } = await this.client.tasks.trace(task.id).catch(() => ({ spans: [] }));
      this.report({
        event: 'finished',
        task: done,
        spans,
        save_to_finish_ms: Math.round(saveToFinish),
        ...(firstOutput !== undefined ? { first_output_ms: Math.round(firstOutput) } : {}),
      });
    } finally {
      this.runningTask = undefined;
    }
  }
}
