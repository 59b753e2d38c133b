/**
 * The store ports the rest of Dockhand depends on. Redis adapters implement them; tests of policy
 * code can implement them in memory. Nothing outside src/store sees a Redis key.
 */
import type { CodeRevision, Project, Task } from '../core/model.ts';
import type { FinishedStatus, TaskStatus } from '../core/task-status.ts';
import type { OutputStream } from '../runtime/port.ts';

export type NewTask = Omit<Task, 'status' | 'attempts' | 'updated_at'>;

/** Fields to set; `null` removes a field (e.g. the previous attempt's message). */
export type TaskPatch = { [K in keyof Omit<Task, 'id' | 'project_id' | 'status' | 'attempts'>]?: Task[K] | null };

export type TransitionResult =
  | { applied: true; previous: TaskStatus; attempts: number }
  | { applied: false; current: TaskStatus | undefined };

export interface TaskListQuery {
  /** Any of these statuses (OR); none means every status. */
  status?: TaskStatus[];
  codeName?: string;
  cluster?: string;
  label?: string;
  limit: number;
  /** Matches to skip before the first one returned (page * per_page). */
  offset?: number;
  /** Newest first; `before` pages backwards by creation time (ms). */
  before?: number;
  /** Creation time window in ms, both ends inclusive. */
  from?: number;
  to?: number;
}

export interface TaskCountQuery {
  codeName?: string;
  /** Creation time window in ms, both ends inclusive. */
  from?: number;
  to?: number;
}

export interface TaskStore {
  create(task: NewTask): Promise<Task>;
  get(id: string): Promise<Task | undefined>;
  list(projectId: string, query: TaskListQuery): Promise<Task[]>;
  /** The one atomic status change. `from` lists the statuses the task may currently be in. */
  transition(id: string, from: readonly TaskStatus[], to: TaskStatus, patch: TaskPatch, options?: { countAttempt?: boolean }): Promise<TransitionResult>;
  /** Updates fields that are not the status (progress, msg) on a task that has not finished. */
  update(id: string, patch: TaskPatch): Promise<boolean>;
  /** Tasks per status in a project, optionally of one code package and created within a window. */
  countByStatus(projectId: string, query?: TaskCountQuery): Promise<Record<TaskStatus, number>>;
}

export interface CodeRegistry {
  addRevision(revision: Omit<CodeRevision, 'rev' | 'id' | 'created_at'> & { id?: string }): Promise<CodeRevision>;
  current(projectId: string, name: string): Promise<CodeRevision | undefined>;
  revision(projectId: string, name: string, rev: number): Promise<CodeRevision | undefined>;
  revisions(projectId: string, name: string): Promise<CodeRevision[]>;
  list(projectId: string): Promise<CodeRevision[]>;
  byId(id: string): Promise<CodeRevision | undefined>;
  delete(projectId: string, name: string): Promise<boolean>;
  setPaused(projectId: string, name: string, paused: boolean): Promise<boolean>;
  isPaused(projectId: string, name: string): Promise<boolean>;
}

export interface ProjectStore {
  create(name: string, options?: { id?: string; token?: string }): Promise<{ project: Project; token: string }>;
  get(id: string): Promise<Project | undefined>;
  byToken(token: string): Promise<Project | undefined>;
  list(): Promise<Project[]>;
}

export interface LogEntry {
  stream: OutputStream | 'system';
  data: string;
  /** Opaque position for following; pass back to read what came after. */
  cursor: string;
}

export interface LogStore {
  append(taskId: string, entries: { stream: LogEntry['stream']; data: Buffer | string }[]): Promise<void>;
  read(taskId: string, after?: string, limit?: number): Promise<LogEntry[]>;
  /** Waits up to `blockMs` for entries after `cursor`. */
  follow(taskId: string, after: string, blockMs: number): Promise<LogEntry[]>;
  text(taskId: string): Promise<string>;
  expire(taskId: string, seconds: number): Promise<void>;
}

export type { FinishedStatus };
