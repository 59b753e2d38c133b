/**
 * Every Redis key Dockhand writes, built in one place. A prefix (default `dh:`) lets tests and several
 * installations share one Redis. Adapters use these; nothing above the store sees a key.
 */
import { TASK_STATUSES, type TaskStatus } from '../../core/task-status.ts';

export class Keys {
  constructor(readonly prefix: string) {}

  project(id: string): string { return `${this.prefix}project:${id}`; }
  projects(): string { return `${this.prefix}projects`; }
  token(tokenHash: string): string { return `${this.prefix}token:${tokenHash}`; }
  /** A dashboard sign-in link's one-time code, by its sha256. */
  signInCode(codeHash: string): string { return `${this.prefix}sign-in:${codeHash}`; }

  code(projectId: string, name: string): string { return `${this.prefix}code:${projectId}:${name}`; }
  codeRevision(projectId: string, name: string, rev: number): string { return `${this.code(projectId, name)}:rev:${rev}`; }
  /** SCAN pattern matching every revision of every package. */
  codeRevisionPattern(): string { return `${this.prefix}code:*:rev:*`; }
  codes(projectId: string): string { return `${this.prefix}codes:${projectId}`; }
  codeById(id: string): string { return `${this.prefix}code-id:${id}`; }

  task(id: string): string { return `${this.prefix}task:${id}`; }
  tasks(projectId: string): string { return `${this.prefix}tasks:${projectId}`; }
  tasksByStatus(projectId: string, status: TaskStatus): string { return `${this.prefix}tasks:${projectId}:status:${status}`; }
  tasksByCode(projectId: string, codeName: string): string { return `${this.prefix}tasks:${projectId}:code:${codeName}`; }
  allStatusIndexes(projectId: string): string[] { return TASK_STATUSES.map((s) => this.tasksByStatus(projectId, s)); }

  schedule(id: string): string { return `${this.prefix}schedule:${id}`; }
  /** Every schedule of a project, scored by creation time (ms). */
  schedules(projectId: string): string { return `${this.prefix}schedules:${projectId}`; }
  /** name -> id for the project's named schedules that are not cancelled. */
  scheduleNames(projectId: string): string { return `${this.prefix}schedule-names:${projectId}`; }
  /** Schedules with status `scheduled`, scored by their next occurrence (ms): what the schedulers wait on. */
  schedulesDue(): string { return `${this.prefix}schedule-due`; }
  /** Claimed firings of one schedule whose task is not queued yet: occurrence ms -> JSON. */
  schedulePending(id: string): string { return `${this.prefix}schedule:${id}:pending`; }
  /** Every claimed, unfinished firing (`<schedule id>:<occurrence ms>`), scored by when its claim lapses. */
  schedulePendingAll(): string { return `${this.prefix}schedule-pending`; }
  /** A schedule's firings (JSON), scored by occurrence time, capped. */
  scheduleHistory(id: string): string { return `${this.prefix}schedule:${id}:history`; }

  log(taskId: string): string { return `${this.prefix}log:${taskId}`; }
  logBytes(taskId: string): string { return `${this.prefix}log:${taskId}:bytes`; }

  /** The embedded span store: a list of finished spans per trace, and who owns the trace. */
  traceSpans(traceId: string): string { return `${this.prefix}trace:${traceId}:spans`; }
  traceMeta(traceId: string): string { return `${this.prefix}trace:${traceId}:meta`; }

  /**
   * A code package's fleet-wide concurrency leases (task id -> expiry ms) and its parked tasks (task id
   * -> queue rank). The Lua scripts derive both from the code key with these same suffixes.
   */
  codeLeases(projectId: string, name: string): string { return `${this.code(projectId, name)}:leases`; }
  codeParked(projectId: string, name: string): string { return `${this.code(projectId, name)}:parked`; }
  /** Code keys that have parked tasks, so a sweep can find them. */
  parkedCodes(): string { return `${this.prefix}parked-codes`; }

  /**
   * The dispatch queue of a cluster: one ready set per constraint signature ('' for none), ordered by
   * rank (priority, then arrival); tasks waiting for their delay; the signatures in use.
   */
  queueReady(cluster: string, signature: string): string { return `${this.prefix}queue:${cluster}:ready:${signature}`; }
  queueDelayed(cluster: string): string { return `${this.prefix}queue:${cluster}:delayed`; }
  queueSignatures(cluster: string): string { return `${this.prefix}queue:${cluster}:signatures`; }
  queueClusters(): string { return `${this.prefix}queue:clusters`; }
  queueSeq(): string { return `${this.prefix}queue:seq`; }

  /** Worker nodes: a hash per node, the tasks it holds (task id -> code key), and all by last heartbeat. */
  node(id: string): string { return `${this.prefix}node:${id}`; }
  nodeTasks(id: string): string { return `${this.prefix}node:${id}:tasks`; }
  nodes(): string { return `${this.prefix}nodes`; }
  /** The secret nodes present to fetch code archives from the API (created once, by whoever asks first). */
  nodeToken(): string { return `${this.prefix}node-token`; }

  /** Held by the server running this interval's retention sweep, so the fleet sweeps once per interval. */
  maintenanceLock(): string { return `${this.prefix}maintenance:lock`; }

  /** Pub/sub channels: cancel requests to workers, finished notices to waiters, new work to nodes. */
  cancelChannel(): string { return `${this.prefix}events:cancel`; }
  finishedChannel(): string { return `${this.prefix}events:finished`; }
  /** "A schedule was created or changed": wakes sleeping schedulers early. */
  scheduleChannel(): string { return `${this.prefix}events:schedules`; }

  /** Requests of one token (by its hash) in one rate window. */
  rateWindow(subject: string, windowIndex: number): string { return `${this.prefix}rate:${subject}:${windowIndex}`; }

  /** "There is work in this cluster": wakes idle nodes before their next poll. */
  workChannel(): string { return `${this.prefix}events:work`; }
}
