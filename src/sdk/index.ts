/**
 * The Dockhand SDK: upload code, queue tasks, wait for them and read their logs.
 *
 *   import { Dockhand } from 'dockhand';
 *   const dh = new Dockhand();                      // from env or .dockhand/credentials.json
 *   await dh.codes.upload('./worker', { name: 'hello', stack: 'node-20' });
 *   const task = await dh.tasks.queue('hello', { payload: { name: 'x' } });
 *   const done = await dh.tasks.wait(task.id);
 *   await dh.schedules.create('hello', { cron: '*\/5 * * * *', timezone: 'Europe/Berlin' });
 */
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { CodeRevision, FleetNode, Schedule, ScheduleFiring, Task } from '../core/model.ts';
import type { ApplyResult } from '../core/schedule/apply-plan.ts';
import { isFinished } from '../core/task-status.ts';
import { LIMITS } from '../core/limits.ts';
import { queueInBatches } from './bulk-queue.ts';
import { resolveCredentials, type CredentialOptions } from './credentials.ts';
import { DockhandApiError, HttpClient } from './http.ts';
import { multipartBody } from './multipart.ts';
import { packDirectory } from './pack-directory.ts';
import { readSse } from './sse.ts';
import type { SpanRecord } from '../telemetry/span-record.ts';
import { ClientSpan, otlpExport } from './trace.ts';
import { readUploadAnswer } from './upload-answer.ts';

export { DockhandApiError } from './http.ts';
export { BulkQueueError } from './bulk-queue.ts';

/** Reconnects in a row, without an event in between, before following a log gives up. */
const FOLLOW_RECONNECTS = 5;
export type { ApplyResult, CodeRevision, FleetNode, Schedule, ScheduleFiring, Task };

/** A code package's queue: paused or not, and how many tasks wait held back. */
export interface CodeQueueState {
  name: string;
  paused: boolean;
  waiting: number;
}

export interface UploadOptions {
  name: string;
  stack?: string;
  image?: string;
  command?: string;
  env_vars?: Record<string, string>;
  config?: string | Record<string, unknown>;
  max_concurrency?: number;
  retries?: number;
  retries_delay?: number;
  timeout?: number;
  memory?: number;
  cpus?: number;
  network?: boolean;
  /** Destinations network-enabled tasks may reach even when private: `host:port`, `10.1.0.0/16`, ... */
  egress?: string[];
  default_priority?: 0 | 1 | 2;
}

export interface UploadProgress {
  /** Each line of the server's dependency build log, while the package is built at upload. */
  onBuildLog?: (line: string) => void;
}

export interface QueueOptions {
  payload?: unknown;
  priority?: 0 | 1 | 2;
  timeout?: number;
  delay?: number;
  cluster?: string;
  label?: string;
  /** Labels a node must carry to run the task, e.g. { region: 'eu-west' }. */
  constraints?: Record<string, string>;
  /** Override the package's retries and retries_delay (s) for this task. */
  retries?: number;
  retries_delay?: number;
}

/** A new project as the admin route answers it: the token is shown this once. */
/** Filters and cursor of `tasks.list` (the query of `GET /v1/tasks`). */
export interface TaskListOptions {
  /** One status, or several separated by commas. */
  status?: string;
  code?: string;
  cluster?: string;
  /** Creation window in ms since the epoch, both ends inclusive. */
  from?: number;
  to?: number;
  /** 1 to 1000; 30 when absent. */
  limit?: number;
  /** The id of the last task of the previous page: this page continues strictly after it. */
  before_id?: string;
  /** Tasks created strictly before this time (ms); with `before_id`, that task's created_at. */
  before?: number;
}

export interface CreatedProject {
  id: string;
  name: string;
  created_at: string;
  token: string;
}

/** A token from `POST /v1/tokens`: shown this once. */
export interface IssuedToken {
  token: string;
  read_only: boolean;
  expires_at?: string;
}

/** When a schedule fires (one of cron, every or at) and what its tasks get; see POST /v1/schedules. */
export interface ScheduleOptions {
  /** 5 fields, or 6 with seconds first; `@daily`-style macros. */
  cron?: string;
  /** IANA zone of the cron expression (default UTC). */
  timezone?: string;
  /** Seconds between firings (IronWorker's run_every). */
  every?: number;
  /** A one-off: fire once at this instant. */
  at?: string | Date;
  start_at?: string | Date;
  end_at?: string | Date;
  run_times?: number;
  overlap?: 'allow' | 'skip' | 'cancel-previous';
  /** `skip`, `run-once` or `catch-up:N`. */
  missed?: string;
  name?: string;
  payload?: unknown;
  priority?: 0 | 1 | 2;
  timeout?: number;
  cluster?: string;
  label?: string;
}

/** One entry of a definitions file (docs/schedules.md): ScheduleOptions plus its name and code package. */
export type ScheduleDefinitionEntry = ScheduleOptions & { name: string; code: string };

export interface LogLine {
  stream: 'stdout' | 'stderr' | 'system';
  data: string;
}

export interface TaskProgress {
  percent: number;
  msg?: string;
}

export interface FollowOptions {
  follow?: boolean;
  /** Called when a followed task reports progress (percent, msg). */
  onProgress?: (progress: TaskProgress) => void;
}

/** One span of a task's trace, as `GET /v1/tasks/{id}/trace` returns it (times in epoch ms). */
export interface TraceSpan {
  trace_id: string;
  span_id: string;
  parent_span_id?: string;
  name: string;
  kind: 'internal' | 'server' | 'client' | 'producer' | 'consumer';
  start: number;
  end: number;
  attributes: Record<string, string | number | boolean | string[] | number[] | boolean[]>;
  status: { code: 'unset' | 'ok' | 'error'; message?: string };
  links?: { trace_id: string; span_id: string }[];
  service?: string;
}

export interface TaskTrace {
  task_id: string;
  trace_id: string;
  spans: TraceSpan[];
}

export interface DockhandOptions extends CredentialOptions {
  /**
   * Send a W3C `traceparent` with each call that queues a task, and the call's own span to the
   * server afterwards, so a task's trace starts here. Default on; off with `false` or OTEL_SDK_DISABLED=true.
   */
  tracing?: boolean;
}

const ARCHIVE_EXTENSIONS = ['.tar.gz', '.tgz', '.tar', '.zip'];

/** Batch requests of `queueMany` in flight at once: enough to keep a server busy, few enough to be polite. */
const BULK_IN_FLIGHT = 4;

/** Client spans sent per request at most, and how long the first waits for company. */
const SPAN_BATCH = 32;
const SPAN_DELAY_MS = 1000;

export class Dockhand {
  readonly http: HttpClient;
  private readonly tracing: boolean;
  private readonly reports = new Set<Promise<void>>();
  private unsent: SpanRecord[] = [];
  private reportTimer: NodeJS.Timeout | undefined;

  constructor(options: DockhandOptions = {}) {
    this.http = new HttpClient(resolveCredentials(options));
    this.tracing = options.tracing ?? process.env['OTEL_SDK_DISABLED']?.trim().toLowerCase() !== 'true';
  }

  /** Sends the spans of earlier calls now and resolves once the server has them (or they were given up on). */
  async flush(): Promise<void> {
    this.sendSpans();
    await Promise.all([...this.reports]);
  }

  readonly codes = {
    /**
     * Uploads a directory (packed, honouring .dockhandignore) or an archive file, or registers an image.
     * A package with dependencies is built by the server before this resolves; `onBuildLog` sees the
     * build's log as it runs, and a failed build rejects with DH_ERR_CODE_BUILD_FAILED.
     */
    upload: async (source: string | undefined, options: UploadOptions, progress: UploadProgress = {}): Promise<CodeRevision> => {
      let file: { stream: Readable; filename: string } | undefined;
      if (source !== undefined) {
        const stat = statSync(source);
        if (stat.isDirectory()) file = { stream: packDirectory(source), filename: `${path.basename(path.resolve(source))}.tar.gz` };
        else if (ARCHIVE_EXTENSIONS.some((ext) => source.endsWith(ext))) file = { stream: createReadStream(source), filename: path.basename(source) };
        else throw new Error(`${source} is neither a directory nor an archive (${ARCHIVE_EXTENSIONS.join(', ')}).`);
      }
      const { contentType, body } = multipartBody(options, file);
      // Always streamed: a long build keeps the connection busy, so no client timeout cuts it off.
      const response = await this.http.raw('/v1/codes', { method: 'POST', rawBody: body, headers: { 'content-type': contentType, accept: 'application/x-ndjson, application/json' } });
      return readUploadAnswer(response, progress.onBuildLog);
    },
    list: async (): Promise<CodeRevision[]> => (await this.http.json<{ codes: CodeRevision[] }>('/v1/codes')).codes,
    get: (name: string): Promise<CodeRevision> => this.http.json<CodeRevision>(`/v1/codes/${encodeURIComponent(name)}`),
    revisions: async (name: string): Promise<CodeRevision[]> =>
      (await this.http.json<{ revisions: CodeRevision[] }>(`/v1/codes/${encodeURIComponent(name)}/revisions`)).revisions,
    download: async (name: string, options: { revision?: number } = {}): Promise<Buffer> => {
      const query = options.revision !== undefined ? `?revision=${options.revision}` : '';
      const response = await this.http.raw(`/v1/codes/${encodeURIComponent(name)}/download${query}`);
      return Buffer.from(await response.arrayBuffer());
    },
    delete: async (name: string): Promise<void> => {
      await this.http.json(`/v1/codes/${encodeURIComponent(name)}`, { method: 'DELETE' });
    },
    /** Makes an earlier revision current again (as a new revision copying it; nothing is rebuilt). */
    restore: (name: string, revision: number): Promise<CodeRevision> =>
      this.http.json<CodeRevision>(`/v1/codes/${encodeURIComponent(name)}/revisions/${revision}/restore`, { method: 'POST', body: {} }),
    /** Holds the package's queued tasks back (running ones go on) until `resume`. */
    pause: (name: string): Promise<CodeQueueState> => this.http.json<CodeQueueState>(`/v1/codes/${encodeURIComponent(name)}/pause`, { method: 'POST', body: {} }),
    resume: (name: string): Promise<CodeQueueState> => this.http.json<CodeQueueState>(`/v1/codes/${encodeURIComponent(name)}/resume`, { method: 'POST', body: {} }),
    queue: (name: string): Promise<CodeQueueState> => this.http.json<CodeQueueState>(`/v1/codes/${encodeURIComponent(name)}/queue`),
  };

  readonly nodes = {
    /** Every worker node on record, with its state and load. */
    list: async (): Promise<FleetNode[]> => (await this.http.json<{ nodes: FleetNode[] }>('/v1/nodes')).nodes,
    get: (id: string): Promise<FleetNode> => this.http.json<FleetNode>(`/v1/nodes/${encodeURIComponent(id)}`),
  };

  readonly tasks = {
    queue: (codeName: string, options: QueueOptions = {}): Promise<Task> =>
      this.tracedPost<Task>('/v1/tasks', { code_name: codeName, ...options }, (task) => ({ 'dockhand.task.id': task.id, 'dockhand.code.name': task.code_name })),
    /**
     * Queues any number of tasks: requests of up to 100 tasks (the server's batch limit), 4 in
     * flight, answers in the order given. Each request queues all its tasks or none; if one fails,
     * a BulkQueueError carries the tasks the answered requests queued.
     */
    queueMany: (tasks: readonly (QueueOptions & { code_name: string })[]): Promise<Task[]> =>
      queueInBatches(
        tasks,
        async (chunk) => (await this.tracedPost<{ tasks: Task[] }>('/v1/tasks', { tasks: chunk }, (r) => ({ 'dockhand.task.count': r.tasks.length }))).tasks,
        { batchSize: LIMITS.batchMax, inFlight: BULK_IN_FLIGHT },
      ),
    get: (id: string): Promise<Task> => this.http.json<Task>(`/v1/tasks/${encodeURIComponent(id)}`),
    /**
     * Tasks newest first. The next page: `before_id` set to the id of the last task seen (none is
     * skipped or repeated, however many were queued in the same millisecond).
     *
     *   const page = await dh.tasks.list({ status: 'queued', limit: 100 });
     *   const next = await dh.tasks.list({ status: 'queued', limit: 100, before_id: page.at(-1)!.id });
     */
    list: async (query: TaskListOptions = {}): Promise<Task[]> => {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
      const qs = params.size ? `?${params.toString()}` : '';
      return (await this.http.json<{ tasks: Task[] }>(`/v1/tasks${qs}`)).tasks;
    },
    /** Resolves once the task has finished; `onUpdate` sees each intermediate state. */
    wait: async (id: string, options: { timeoutMs?: number; onUpdate?: (task: Task) => void } = {}): Promise<Task> => {
      const deadline = options.timeoutMs !== undefined ? Date.now() + options.timeoutMs : Infinity;
      for (;;) {
        const remaining = deadline - Date.now();
        const slice = Math.max(0, Math.min(remaining, 25_000));
        const task = await this.http.json<Task>(`/v1/tasks/${encodeURIComponent(id)}/wait?timeout=${Math.ceil(slice / 1000)}`);
        options.onUpdate?.(task);
        if (isFinished(task.status) || Date.now() >= deadline) return task;
      }
    },
    log: async (id: string): Promise<string> => (await this.http.raw(`/v1/tasks/${encodeURIComponent(id)}/log`)).text(),
    /** The task's output; with `follow`, keeps streaming until the task ends (progress via `onProgress`). */
    logs: (id: string, options: FollowOptions = {}): AsyncIterable<LogLine> => this.followLog(id, options),
    cancel: (id: string): Promise<Task> => this.http.json<Task>(`/v1/tasks/${encodeURIComponent(id)}/cancel`, { method: 'POST', body: {} }),
    retry: (id: string, options: { delay?: number } = {}): Promise<Task> =>
      this.tracedPost<Task>(`/v1/tasks/${encodeURIComponent(id)}/retry`, options, (task) => ({ 'dockhand.task.id': task.id, 'dockhand.code.name': task.code_name, 'dockhand.task.retry_of': id })),
    /** The task's spans in waterfall order (parents first), from the server's span store. */
    trace: (id: string): Promise<TaskTrace> => this.http.json<TaskTrace>(`/v1/tasks/${encodeURIComponent(id)}/trace`),
    /** Reports a running task's progress (from inside a task with network, or on its behalf). */
    progress: (id: string, percent: number, msg?: string): Promise<Task> =>
      this.http.json<Task>(`/v1/tasks/${encodeURIComponent(id)}/progress`, { method: 'POST', body: msg === undefined ? { percent } : { percent, msg } }),
  };

  /** Admin only: construct the client with the admin token (DOCKHAND_ADMIN_TOKEN) as its token. */
  readonly projects = {
    create: (name: string): Promise<CreatedProject> => this.http.json<CreatedProject>('/v1/projects', { method: 'POST', body: { name } }),
  };

  /** More tokens of this client's project, and one-time dashboard sign-in links. */
  readonly tokens = {
    /** A new token of the project, shown once; `readOnly` for one that may list and read but change nothing. */
    create: (options: { readOnly?: boolean } = {}): Promise<IssuedToken> =>
      this.http.json<IssuedToken>('/v1/tokens', { method: 'POST', body: { read_only: options.readOnly ?? false } }),
    /** A link that opens the dashboard signed in, once, within a minute (`dockhand open`). */
    signInLink: async (): Promise<{ url: string; expires_at: string }> => {
      const link = await this.http.json<{ path: string; expires_at: string }>('/v1/sign-in-links', { method: 'POST', body: {} });
      return { url: `${this.http.credentials.url}${link.path}`, expires_at: link.expires_at };
    },
  };

  readonly schedules = {
    create: (codeName: string, options: ScheduleOptions): Promise<Schedule> =>
      this.http.json<Schedule>('/v1/schedules', { method: 'POST', body: { code_name: codeName, ...instants(options) } }),
    list: async (query: { status?: string; code?: string; limit?: number } = {}): Promise<Schedule[]> => {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
      const qs = params.size ? `?${params.toString()}` : '';
      return (await this.http.json<{ schedules: Schedule[] }>(`/v1/schedules${qs}`)).schedules;
    },
    /** By id or by name. */
    get: (idOrName: string): Promise<Schedule> => this.http.json<Schedule>(`/v1/schedules/${encodeURIComponent(idOrName)}`),
    /** Replaces what the schedule declares, keeping its id, name, run count and history. */
    replace: (idOrName: string, codeName: string, options: ScheduleOptions): Promise<Schedule> =>
      this.http.json<Schedule>(`/v1/schedules/${encodeURIComponent(idOrName)}`, { method: 'PUT', body: { code_name: codeName, ...instants(options) } }),
    pause: (idOrName: string): Promise<Schedule> => this.http.json<Schedule>(`/v1/schedules/${encodeURIComponent(idOrName)}/pause`, { method: 'POST', body: {} }),
    resume: (idOrName: string): Promise<Schedule> => this.http.json<Schedule>(`/v1/schedules/${encodeURIComponent(idOrName)}/resume`, { method: 'POST', body: {} }),
    cancel: (idOrName: string): Promise<Schedule> => this.http.json<Schedule>(`/v1/schedules/${encodeURIComponent(idOrName)}/cancel`, { method: 'POST', body: {} }),
    delete: async (idOrName: string): Promise<void> => {
      await this.http.json(`/v1/schedules/${encodeURIComponent(idOrName)}`, { method: 'DELETE' });
    },
    /** The newest firings (default 100), oldest first: `{at, outcome: queued|skipped|missed, task_id?, reason?}`. */
    history: async (idOrName: string, options: { limit?: number } = {}): Promise<ScheduleFiring[]> => {
      const qs = options.limit !== undefined ? `?limit=${options.limit}` : '';
      return (await this.http.json<{ firings: ScheduleFiring[] }>(`/v1/schedules/${encodeURIComponent(idOrName)}/history${qs}`)).firings;
    },
    /** Brings the project's named schedules in line with a definitions file's entries. */
    apply: (entries: readonly ScheduleDefinitionEntry[] | readonly unknown[], options: { prune?: boolean; dryRun?: boolean } = {}): Promise<ApplyResult> =>
      this.http.json<ApplyResult>('/v1/schedules/apply', {
        method: 'POST',
        body: { schedules: entries, prune: options.prune ?? false, dry_run: options.dryRun ?? false },
      }),
  };

  /** A POST that queues tasks: carries a traceparent and reports its client span afterwards. */
  private async tracedPost<T>(pathAndQuery: string, body: unknown, describe: (result: T) => Record<string, string | number>): Promise<T> {
    if (!this.tracing) return this.http.json<T>(pathAndQuery, { method: 'POST', body });
    const span = ClientSpan.start('POST', `${this.http.credentials.url}${pathAndQuery}`);
    let response: Response;
    try {
      response = await this.http.raw(pathAndQuery, { method: 'POST', body, headers: { traceparent: span.traceparent } });
    } catch (err) {
      const status = (err as { status?: number }).status ?? 0;
      // A refused request left no task behind, so there is no trace to add the span to.
      if (status > 0 && status < 500) throw err;
      this.report(span.finish(status));
      throw err;
    }
    const result = (await response.json()) as T;
    this.report(span.finish(response.status, safeDescribe(describe, result)));
    return result;
  }

  /** Spans wait up to a second (or until 32 are ready) and go in one request: one per task would double the calls. */
  private report(span: SpanRecord): void {
    this.unsent.push(span);
    if (this.unsent.length >= SPAN_BATCH) this.sendSpans();
    else if (!this.reportTimer) {
      this.reportTimer = setTimeout(() => this.sendSpans(), SPAN_DELAY_MS);
      // A process may end without waiting for it; `flush()` sends at once when that matters.
      this.reportTimer.unref();
    }
  }

  private sendSpans(): void {
    if (this.reportTimer) clearTimeout(this.reportTimer);
    this.reportTimer = undefined;
    if (this.unsent.length === 0) return;
    const spans = this.unsent;
    this.unsent = [];
    const sending = this.http
      .raw('/v1/traces', { method: 'POST', body: otlpExport(spans), signal: AbortSignal.timeout(5000) })
      .then((r) => r.body?.cancel())
      .catch(() => undefined)
      .finally(() => this.reports.delete(sending));
    this.reports.add(sending);
  }

  private async *followLog(id: string, options: FollowOptions): AsyncIterable<LogLine> {
    if (!options.follow) {
      const text = await this.tasks.log(id);
      yield { stream: 'stdout', data: text };
      return;
    }
    // A dropped stream is resumed where it broke: the server sends exactly what follows Last-Event-ID.
    let lastId: string | undefined;
    for (let failures = 0; failures <= FOLLOW_RECONNECTS; ) {
      const headers: Record<string, string> = { accept: 'text/event-stream', ...(lastId !== undefined ? { 'last-event-id': lastId } : {}) };
      try {
        const response = await this.http.raw(`/v1/tasks/${encodeURIComponent(id)}/log?follow=1`, { headers });
        if (!response.body) return;
        for await (const event of readSse(response.body)) {
          failures = 0;
          if (event.id !== undefined) lastId = event.id;
          if (event.event === 'end') return;
          if (event.event === 'progress') {
            try {
              options.onProgress?.(JSON.parse(event.data) as TaskProgress);
            } catch {
              // a malformed progress event is not worth ending the stream for
            }
            continue;
          }
          if (event.event === 'stdout' || event.event === 'stderr' || event.event === 'system') {
            yield { stream: event.event, data: JSON.parse(event.data) as string };
          }
        }
      } catch (err) {
        // An answer from the server (the task is gone, a bad token) is final; a broken connection is not.
        if (err instanceof DockhandApiError && err.status !== 0) throw err;
      }
      failures += 1;
      await new Promise((resolve) => setTimeout(resolve, 250 * failures));
    }
    throw new Error(`Following the log of task ${id} failed: the connection broke ${FOLLOW_RECONNECTS + 1} times in a row.`);
  }
}

function safeDescribe<T>(describe: (result: T) => Record<string, string | number>, result: T): Record<string, string | number> {
  try {
    return describe(result);
  } catch {
    return {};
  }
}

/** Dates become RFC 3339 strings, as the API takes them. */
function instants(options: ScheduleOptions): Record<string, unknown> {
  const out: Record<string, unknown> = { ...options };
  for (const key of ['at', 'start_at', 'end_at'] as const) {
    const value = options[key];
    if (value instanceof Date) out[key] = value.toISOString();
  }
  return out;
}
