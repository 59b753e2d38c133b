/**
 * Traces, metrics and log context of one task attempt on a worker node. The attempt is a
 * `process tasks-<cluster>` span (a child of the enqueue's `send` span carried in the job, linked to
 * the attempt before it), preceded by a `queue wait` span from enqueue to claim, and split into
 * phases that follow each other without gaps: each `phase()` call ends the current phase and starts
 * the next at the same instant, so the phases add up to the attempt exactly.
 *
 *   const attempt = AttemptTelemetry.begin(deps, { taskId, cluster, enqueuedAt, trace });
 *   attempt.phase('claim'); ...; attempt.claimed(task, n);
 *   attempt.phase('prepare code'); ...; attempt.phase('container create'); ...
 *   buildContainerSpec({ ..., traceparent: attempt.traceparent });   // user code continues `run`
 *   attempt.finished('complete', { durationMs, exitCode: 0 });
 *
 * Phase spans are recorded when they end, with ids chosen when they start, so the `run` span's id can
 * be in the container's TRACEPARENT before the container exists. Every method swallows its own
 * failures: telemetry never changes what happens to a task.
 */
import { SpanKind, SpanStatusCode, type Attributes, type Link, type SpanContext, type SpanStatus } from '@opentelemetry/api';
import type { TaskStatus } from '../core/task-status.ts';
import { isFinished } from '../core/task-status.ts';
import { ATTR, MESSAGING_SYSTEM, taskQueueDestination } from './attributes.ts';
import type { Logger } from './logger.ts';
import type { ContainerOperation, DockhandMetrics } from './metrics.ts';
import { parseIncomingSpan } from './span-input.ts';
import type { Telemetry } from './telemetry.ts';
import { randomSpanId, remoteSpanContext, spanContextOf, traceparentOf } from './trace-context.ts';

export type AttemptPhaseName =
  | 'claim'
  | 'admission'
  | 'prepare code'
  | 'prepare image'
  | 'container create'
  | 'container start'
  | 'run'
  | 'collect logs'
  | 'result'
  | 'container remove'
  | 'finish';

/** Phases shown under a common parent span. */
const GROUPS: Partial<Record<AttemptPhaseName, string>> = { 'prepare code': 'prepare', 'prepare image': 'prepare' };

const CONTAINER_OPERATIONS: Partial<Record<AttemptPhaseName, ContainerOperation>> = {
  'container create': 'create',
  'container start': 'start',
  'container remove': 'remove',
};

const CONTAINER_PHASES = new Set<AttemptPhaseName>(['container create', 'container start', 'run', 'container remove']);

/** A task may add at most this many spans of its own per attempt. */
export const MAX_TASK_SPANS_PER_ATTEMPT = 1000;

export interface AttemptJob {
  taskId: string;
  /** The queue's cluster; taken from the task record when the caller does not know it. */
  cluster?: string | undefined;
  /** When the task entered the queue for this attempt (epoch ms); default: from the task record. */
  enqueuedAt?: number | undefined;
  /** When the attempt began (epoch ms), if before this object was made (e.g. when a node first weighed the task). */
  startedAt?: number | undefined;
  /** W3C context from the job data. */
  trace?: Record<string, string> | undefined;
}

/** What the attempt needs to know of its task once claimed. */
export interface ClaimedTask {
  id: string;
  code_name: string;
  trace_id: string;
  cluster: string;
  created_at?: string;
  queued_at?: string;
  attempt_history?: ReadonlyArray<{ attempt: number; end_time?: string }>;
}

/**
 * When the task entered the queue for this attempt: after the previous attempt ended (a retry or a
 * drained attempt goes back), or when it was queued. Epoch ms; undefined when the record cannot say.
 */
export function queueEnteredAt(task: ClaimedTask, attempt: number): number | undefined {
  const previous = task.attempt_history?.filter((a) => a.attempt < attempt && a.end_time).at(-1);
  const at = Date.parse(previous?.end_time ?? task.queued_at ?? task.created_at ?? '');
  return Number.isFinite(at) ? at : undefined;
}

export interface AttemptTelemetryDeps {
  telemetry: Telemetry;
  metrics: DockhandMetrics;
  logger: Logger;
  nodeId: string;
}

export interface AttemptEnd {
  durationMs?: number | undefined;
  exitCode?: number | undefined;
  msg?: string | undefined;
  errorClass?: string | undefined;
}

interface OpenSpan {
  name: string;
  spanId: string;
  start: number;
  attributes: Attributes;
  status?: SpanStatus;
}

interface EndedSpan extends OpenSpan {
  parentSpanId: string;
  end: number;
}

export class AttemptTelemetry {
  private parent: SpanContext | undefined;
  private traceId: string | undefined;
  private readonly attemptSpanId = randomSpanId();
  private readonly runSpanId = randomSpanId();
  private readonly startedAt: number;
  private current: OpenSpan | undefined;
  private group: OpenSpan | undefined;
  private pending: EndedSpan[] = [];
  private readonly links: Link[] = [];
  private readonly attemptAttributes: Attributes;
  private readonly containerAttributes: Attributes = {};
  private codeName: string | undefined;
  private cluster: string | undefined;
  private attempt: number | undefined;
  private attemptStatus: SpanStatus | undefined;
  private taskSpans = 0;
  private phases = 0;
  private lastBoundary = 0;
  private enqueuedAt: number | undefined;
  private done = false;
  private log: Logger | undefined;

  private constructor(private readonly deps: AttemptTelemetryDeps, private readonly job: AttemptJob) {
    this.startedAt = Math.min(job.startedAt ?? Infinity, deps.telemetry.now());
    this.parent = spanContextOf(job.trace);
    this.traceId = this.parent?.traceId;
    this.cluster = job.cluster;
    this.attemptAttributes = {
      [ATTR.messagingSystem]: MESSAGING_SYSTEM,
      [ATTR.messagingOperationType]: 'process',
      [ATTR.messagingOperationName]: 'process',
      [ATTR.messagingMessageId]: job.taskId,
    };
  }

  static begin(deps: AttemptTelemetryDeps, job: AttemptJob): AttemptTelemetry {
    return new AttemptTelemetry(deps, job);
  }

  /** Dockhand's log lines about this attempt: every one carries task_id, trace_id and node_id. */
  get logger(): Logger {
    this.log ??= this.bindLogger();
    return this.log;
  }

  /** `traceparent` naming the `run` span, for the container's TRACEPARENT; absent when not tracing. */
  get traceparent(): string | undefined {
    if (!this.deps.telemetry.enabled || !this.traceId) return undefined;
    return traceparentOf(remoteSpanContext(this.traceId, this.runSpanId));
  }

  /** The claim went through: the task and attempt are known, so the trace can be written. */
  claimed(task: ClaimedTask, attempt: number): void {
    this.guard(() => {
      this.enqueuedAt = this.job.enqueuedAt ?? queueEnteredAt(task, attempt);
      this.codeName = task.code_name;
      this.cluster ??= task.cluster;
      this.attempt = attempt;
      // The record is the authority on the trace id; a job carrying another trace starts fresh under it.
      if (this.parent && this.parent.traceId !== task.trace_id) this.parent = undefined;
      this.traceId = task.trace_id;
      Object.assign(this.attemptAttributes, this.common(), { [ATTR.attempt]: attempt, [ATTR.messagingDestination]: this.destination });
      this.log = undefined; // bound again, with the trace id, when next needed
      this.recordQueueWait();
      const { telemetry, metrics } = this.deps;
      metrics.taskEntered('preparing', task.code_name);
      if (telemetry.enabled) {
        telemetry.store.setAttemptSpan(task.trace_id, attempt, this.attemptSpanId).catch(() => undefined);
        if (attempt > 1) {
          telemetry.store
            .attemptSpan(task.trace_id, attempt - 1)
            .then((spanId) => {
              if (spanId && !this.done) this.links.push({ context: remoteSpanContext(task.trace_id, spanId), attributes: { [ATTR.attempt]: attempt - 1 } });
            })
            .catch(() => undefined);
        }
      }
      const pending = this.pending;
      this.pending = [];
      for (const span of pending) this.record(span);
    });
  }

  /**
   * Ends the current phase and starts `name` at the same instant: now, or `at` (epoch ms) for a step
   * that began before this was called (a claim made before the attempt's code ran).
   */
  phase(name: AttemptPhaseName, attributes: Attributes = {}, at?: number): void {
    this.guard(() => {
      // The first phase starts with the attempt, so the phases cover it from its first instant.
      const now = this.phases++ === 0 ? this.startedAt : Math.max(this.lastBoundary, Math.min(at ?? Infinity, this.deps.telemetry.now()));
      this.lastBoundary = now;
      this.endCurrent(now);
      const groupName = GROUPS[name];
      if (this.group && this.group.name !== groupName) this.endGroup(now);
      if (groupName && !this.group) this.group = { name: groupName, spanId: randomSpanId(), start: now, attributes: {} };
      this.current = {
        name,
        spanId: name === 'run' ? this.runSpanId : randomSpanId(),
        start: now,
        attributes: { ...attributes, ...(CONTAINER_PHASES.has(name) ? this.containerAttributes : {}) },
      };
      if (name === 'run' && this.codeName) this.deps.metrics.taskEntered('running', this.codeName);
    });
  }

  /** Adds attributes to the current phase. */
  annotate(attributes: Attributes): void {
    this.guard(() => {
      if (this.current) Object.assign(this.current.attributes, attributes);
    });
  }

  /** Container facts (name, image, id) for the container phases and the attempt span. */
  container(info: { name?: string; image?: string; id?: string; runtime?: string; warm?: boolean }): void {
    this.guard(() => {
      const attributes: Attributes = {};
      if (info.warm !== undefined) attributes[ATTR.containerWarm] = info.warm;
      if (info.name) attributes[ATTR.containerName] = info.name;
      if (info.image) attributes[ATTR.containerImageName] = info.image;
      if (info.id) attributes[ATTR.containerId] = info.id;
      if (info.runtime) attributes[ATTR.containerRuntimeName] = info.runtime;
      else if (this.containerAttributes[ATTR.containerRuntimeName] === undefined) attributes[ATTR.containerRuntimeName] = 'docker';
      Object.assign(this.containerAttributes, attributes);
      Object.assign(this.attemptAttributes, attributes);
      if (this.current && CONTAINER_PHASES.has(this.current.name as AttemptPhaseName)) Object.assign(this.current.attributes, attributes);
    });
  }

  /** The task's process exited: its exit code goes on the `run` span (an error when not 0) and the attempt. */
  exited(exitCode: number): void {
    this.guard(() => {
      this.attemptAttributes[ATTR.processExitCode] = exitCode;
      if (this.current?.name !== 'run') return;
      this.current.attributes[ATTR.processExitCode] = exitCode;
      if (exitCode !== 0) this.current.status = { code: SpanStatusCode.ERROR, message: `exited with code ${exitCode}` };
    });
  }

  /** Marks the current phase (and so the attempt) as failed. */
  fail(message: string, errorClass?: string): void {
    this.guard(() => {
      const status: SpanStatus = { code: SpanStatusCode.ERROR, message };
      if (this.current) {
        this.current.status = status;
        if (errorClass) this.current.attributes[ATTR.errorType] = errorClass;
      }
      this.attemptStatus = status;
      if (errorClass) this.attemptAttributes[ATTR.errorType] = errorClass;
    });
  }

  /**
   * A span the task printed (`##dockhand span {…}`): validated, forced into this trace, a child of
   * `run` unless it names another parent. Returns why it was refused, or undefined.
   */
  ingestTaskSpan(value: unknown): string | undefined {
    try {
      if (!this.deps.telemetry.enabled) return undefined;
      if (!this.traceId) return 'the task has no trace yet';
      if (this.taskSpans >= MAX_TASK_SPANS_PER_ATTEMPT) return `a task may add at most ${MAX_TASK_SPANS_PER_ATTEMPT} spans per attempt`;
      const parsed = parseIncomingSpan(value, {
        traceId: this.traceId,
        parentSpanId: this.runSpanId,
        service: this.codeName ?? 'dockhand-task',
        attributes: { ...(this.common() as Record<string, string>), [ATTR.source]: 'task' },
      });
      if (!parsed.ok) return parsed.reason;
      this.taskSpans++;
      // Batched with the attempt's own spans; finished() sends them all before the task is announced.
      this.deps.telemetry.ingest([parsed.span], this.codeName ?? 'dockhand-task', { sendNow: false });
      return undefined;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  }

  /** The attempt is over (finished, failed, or handed back to the queue as `queued`). */
  finished(status: TaskStatus, end: AttemptEnd = {}): void {
    this.guard(() => {
      if (this.done) return;
      this.done = true;
      const now = this.deps.telemetry.now();
      this.endCurrent(now);
      this.endGroup(now);
      this.attemptAttributes[ATTR.status] = status;
      if (end.exitCode !== undefined) this.attemptAttributes[ATTR.processExitCode] = end.exitCode;
      if (end.errorClass) this.attemptAttributes[ATTR.errorType] ??= end.errorClass;
      if ((status === 'error' || status === 'timeout') && !this.attemptStatus) this.attemptStatus = { code: SpanStatusCode.ERROR, message: end.msg ?? status };
      this.recordAttempt(now);
      this.deps.telemetry.sendPending();
      const { metrics } = this.deps;
      if (this.codeName && (isFinished(status) || status === 'queued')) metrics.taskEntered(status, this.codeName);
      if (this.codeName && isFinished(status) && end.durationMs !== undefined) metrics.taskDuration.observe({ code: this.codeName, status }, end.durationMs / 1000);
    });
  }

  /**
   * The attempt ended without a status of its own: the claim did not go through (cancelled meanwhile,
   * a duplicate delivery) or the worker failed. Records what is known; a no-op after `finished()`.
   */
  abandoned(reason: string): void {
    this.guard(() => {
      if (this.done) return;
      this.done = true;
      if (!this.traceId) return;
      const now = this.deps.telemetry.now();
      this.endCurrent(now);
      this.endGroup(now);
      // Claimed and then lost: that is a failure; a claim that did not go through is not.
      if (this.attempt !== undefined) this.attemptStatus ??= { code: SpanStatusCode.ERROR, message: reason };
      this.attemptAttributes[ATTR.taskId] = this.job.taskId;
      this.attemptAttributes['dockhand.attempt.abandoned'] = reason;
      this.recordAttempt(now);
      this.deps.telemetry.sendPending();
    });
  }

  private get destination(): string {
    return taskQueueDestination(this.cluster ?? 'default');
  }

  private common(): Attributes {
    return {
      [ATTR.taskId]: this.job.taskId,
      [ATTR.nodeId]: this.deps.nodeId,
      ...(this.codeName ? { [ATTR.codeName]: this.codeName } : {}),
      ...(this.attempt !== undefined ? { [ATTR.attempt]: this.attempt } : {}),
    };
  }

  private bindLogger(): Logger {
    return this.deps.logger.child({ task_id: this.job.taskId, ...(this.traceId ? { trace_id: this.traceId } : {}), node_id: this.deps.nodeId });
  }

  private recordQueueWait(): void {
    const { enqueuedAt } = this;
    const { telemetry, metrics } = this.deps;
    if (enqueuedAt === undefined || !Number.isFinite(enqueuedAt)) return;
    const start = Math.min(enqueuedAt, this.startedAt);
    metrics.queueWait.observe({ cluster: this.cluster ?? 'default' }, (this.startedAt - start) / 1000);
    if (!this.traceId) return;
    telemetry
      .startSpan('queue wait', {
        parent: this.parent ?? remoteSpanContext(this.traceId, this.attemptSpanId),
        traceId: this.traceId,
        startTime: start,
        attributes: { [ATTR.messagingDestination]: this.destination, ...this.common() },
      })
      .end(this.startedAt);
  }

  private endCurrent(now: number): void {
    const current = this.current;
    if (!current) return;
    this.current = undefined;
    const operation = CONTAINER_OPERATIONS[current.name as AttemptPhaseName];
    if (operation) this.deps.metrics.containerOperation.observe({ operation }, (now - current.start) / 1000);
    this.emit({ ...current, end: now, parentSpanId: GROUPS[current.name as AttemptPhaseName] && this.group ? this.group.spanId : this.attemptSpanId });
  }

  private endGroup(now: number): void {
    const group = this.group;
    if (!group) return;
    this.group = undefined;
    this.emit({ ...group, end: now, parentSpanId: this.attemptSpanId });
  }

  private emit(span: EndedSpan): void {
    if (this.traceId && this.attempt !== undefined) this.record(span);
    else this.pending.push(span);
  }

  private record(span: EndedSpan): void {
    if (!this.traceId) return;
    this.deps.telemetry
      .startSpan(span.name, {
        spanId: span.spanId,
        parent: remoteSpanContext(this.traceId, span.parentSpanId),
        startTime: span.start,
        attributes: { ...this.common(), ...span.attributes },
      })
      .setStatus(span.status ?? { code: SpanStatusCode.UNSET })
      .end(span.end);
  }

  private recordAttempt(now: number): void {
    if (!this.traceId) return;
    const span = this.deps.telemetry.startSpan(`process ${this.destination}`, {
      kind: SpanKind.CONSUMER,
      spanId: this.attemptSpanId,
      parent: this.parent,
      traceId: this.traceId,
      startTime: this.startedAt,
      links: this.links,
      attributes: { ...this.attemptAttributes, ...this.common() },
    });
    if (this.attemptStatus) span.setStatus(this.attemptStatus);
    span.end(now);
  }

  private guard(work: () => void): void {
    try {
      work();
    } catch (err) {
      try {
        this.logger.debug({ err }, 'attempt telemetry failed');
      } catch {
        // nothing left to tell
      }
    }
  }
}
