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

  code(projectId: string, name: string): string { return `${this.prefix}code:${projectId}:${name}`; }
  codeRevision(projectId: string, name: string, rev: number): string { return `${this.code(projectId, name)}:rev:${rev}`; }
  codes(projectId: string): string { return `${this.prefix}codes:${projectId}`; }
  codeById(id: string): string { return `${this.prefix}code-id:${id}`; }

  task(id: string): string { return `${this.prefix}task:${id}`; }
  tasks(projectId: string): string { return `${this.prefix}tasks:${projectId}`; }
  tasksByStatus(projectId: string, status: TaskStatus): string { return `${this.prefix}tasks:${projectId}:status:${status}`; }
  tasksByCode(projectId: string, codeName: string): string { return `${this.prefix}tasks:${projectId}:code:${codeName}`; }
  allStatusIndexes(projectId: string): string[] { return TASK_STATUSES.map((s) => this.tasksByStatus(projectId, s)); }

  log(taskId: string): string { return `${this.prefix}log:${taskId}`; }
  logBytes(taskId: string): string { return `${this.prefix}log:${taskId}:bytes`; }

  /** The embedded span store: a list of finished spans per trace, and who owns the trace. */
  traceSpans(traceId: string): string { return `${this.prefix}trace:${traceId}:spans`; }
  traceMeta(traceId: string): string { return `${this.prefix}trace:${traceId}:meta`; }

  /** Clusters that have had a task queue, for per-cluster metrics. */
  clusters(): string { return `${this.prefix}clusters`; }

  /** Pub/sub channels: cancel requests to workers, finished notices to waiters. */
  cancelChannel(): string { return `${this.prefix}events:cancel`; }
  finishedChannel(): string { return `${this.prefix}events:finished`; }

  /** BullMQ's own prefix, so its keys live beside ours. */
  bullPrefix(): string { return `${this.prefix}bull`; }
}
