/**
 * TaskStore on Redis: a hash per task and sorted-set indexes per project (all, by status, by code).
 * Status changes made outside an attempt (cancel, progress) go through the `transition-task` script;
 * an attempt's own (claim, settle, recovery) through the dispatch queue's scripts (queue/). Every one
 * of them writes the status through lib/task-status.lua, which checks the lifecycle table of
 * core/task-status.ts. Tasks are created only by the dispatch queue (`TaskQueue.queueNew`,
 * queue-tasks.lua), which records and queues them in one script call.
 */
import type { Redis } from 'ioredis';
import type { Task } from '../../core/model.ts';
import { TASK_STATUSES, isFinished, type TaskStatus } from '../../core/task-status.ts';
import type { TaskCountQuery, TaskListQuery, TaskPatch, TaskStore, TransitionResult } from '../ports.ts';
import type { Keys } from './keys.ts';
import { runScript } from './scripts.ts';
import { decodeTask, encodeTaskFields } from './task-codec.ts';

/** Filtered listings read at most this many index entries, so one request cannot walk a huge project. */
const LIST_SCAN_CAP = 50_000;
const COUNT_BATCH = 1000;
/** Entries of one creation ms read at a time when a page continues inside them. */
const TIE_BATCH = 200;

interface Scored {
  id: string;
  score: number;
}

/** Newest first, as an index reads in reverse: by score, then by member. */
function newestFirst(a: Scored, b: Scored): number {
  return b.score - a.score || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

interface ListWindow {
  /** ZREVRANGEBYSCORE bounds. */
  max: string;
  min: string;
  /** Continue strictly after this entry (its ms is within the window). */
  after?: { id: string; createdMs: number };
}

/** The score bounds of a listing; undefined when nothing can match. */
function listWindow(query: TaskListQuery): ListWindow | undefined {
  const min = query.from !== undefined ? String(query.from) : '-inf';
  if (query.after) {
    // A window ending before the cursor's ms is a plain window.
    if (query.to !== undefined && query.to < query.after.createdMs) return { max: String(query.to), min };
    if (query.from !== undefined && query.after.createdMs < query.from) return undefined;
    return { max: String(query.after.createdMs), min, after: query.after };
  }
  const max = query.before !== undefined ? `(${query.before}` : query.to !== undefined ? String(query.to) : '+inf';
  return { max, min };
}

export class RedisTaskStore implements TaskStore {
  constructor(private readonly redis: Redis, private readonly keys: Keys, private readonly clock: () => Date = () => new Date()) {}

  async get(id: string): Promise<Task | undefined> {
    return decodeTask(await this.redis.hgetall(this.keys.task(id)));
  }

  async list(projectId: string, query: TaskListQuery): Promise<Task[]> {
    const window = listWindow(query);
    if (!window) return [];
    const offset = query.offset ?? 0;
    const wanted = offset + query.limit;
    if (query.codeName === undefined && query.cluster === undefined && query.label === undefined) {
      return (await this.newestOfIndexes(projectId, query.status ?? [], window, wanted)).slice(offset, wanted);
    }
    // Filters no index answers: read the narrowest index newest first and keep what matches, in batches,
    // so a page is full even when other tasks are interleaved.
    const index = query.codeName !== undefined ? this.keys.tasksByCode(projectId, query.codeName) : this.keys.tasks(projectId);
    const statuses = query.status?.length ? new Set<TaskStatus>(query.status) : undefined;
    const batch = Math.min(Math.max(wanted * 2, 100), 1000);
    const matches: Task[] = [];
    let scanned = 0;
    for await (const entries of this.newest(index, window, batch)) {
      for (const task of await this.getMany(entries.map((e) => e.id))) {
        if (statuses && !statuses.has(task.status)) continue;
        if (query.codeName !== undefined && task.code_name !== query.codeName) continue;
        if (query.cluster !== undefined && task.cluster !== query.cluster) continue;
        if (query.label !== undefined && task.label !== query.label) continue;
        matches.push(task);
        if (matches.length >= wanted) break;
      }
      scanned += entries.length;
      if (matches.length >= wanted || scanned >= LIST_SCAN_CAP) break;
    }
    return matches.slice(offset, wanted);
  }

  /**
   * The newest `limit` tasks of the status indexes (all tasks when none): each index is sorted, so its
   * top `limit` past the cursor suffice; merged in the indexes' own order (score, then id, descending).
   */
  private async newestOfIndexes(projectId: string, statuses: TaskStatus[], window: ListWindow, limit: number): Promise<Task[]> {
    const indexes = statuses.length ? statuses.map((s) => this.keys.tasksByStatus(projectId, s)) : [this.keys.tasks(projectId)];
    const scored: Scored[] = [];
    for (const index of indexes) {
      let taken = 0;
      for await (const entries of this.newest(index, window, limit)) {
        const wanted = entries.slice(0, limit - taken);
        scored.push(...wanted);
        taken += wanted.length;
        if (taken >= limit) break;
      }
    }
    if (indexes.length > 1) scored.sort(newestFirst);
    return (await this.getMany(scored.slice(0, limit).map((s) => s.id))).slice(0, limit);
  }

  /**
   * An index's entries newest first within the window, `batch` at a time. With a cursor, entries of
   * the cursor's own ms are read first and only those after it (lower ids) kept: an index orders
   * members of equal score by member, so this is the index's order. Ties are one batch's tasks at most
   * (a request queues up to 100), so little is read past.
   */
  private async *newest(index: string, window: ListWindow, batch: number): AsyncGenerator<Scored[]> {
    let max = window.max;
    const { after } = window;
    if (after) {
      for (let start = 0; ; start += TIE_BATCH) {
        const ids = await this.redis.zrevrangebyscore(index, after.createdMs, after.createdMs, 'LIMIT', start, TIE_BATCH);
        const past = ids.filter((id) => id < after.id).map((id) => ({ id, score: after.createdMs }));
        if (past.length > 0) yield past;
        if (ids.length < TIE_BATCH) break;
      }
      max = `(${after.createdMs}`;
    }
    for (let start = 0; ; start += batch) {
      const flat = await this.redis.zrevrangebyscore(index, max, window.min, 'WITHSCORES', 'LIMIT', start, batch);
      const entries: Scored[] = [];
      for (let i = 0; i < flat.length; i += 2) entries.push({ id: flat[i]!, score: Number(flat[i + 1]) });
      if (entries.length > 0) yield entries;
      if (entries.length < batch) return;
    }
  }

  private async getMany(ids: string[]): Promise<Task[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.task(id));
    const rows = (await pipeline.exec()) ?? [];
    const tasks: Task[] = [];
    for (const [, hash] of rows) {
      const task = decodeTask(hash as Record<string, string>);
      if (task) tasks.push(task);
    }
    return tasks;
  }

  async transition(id: string, from: readonly TaskStatus[], to: TaskStatus, patch: TaskPatch, options: { countAttempt?: boolean } = {}): Promise<TransitionResult> {
    const projectId = await this.redis.hget(this.keys.task(id), 'project_id');
    if (!projectId) return { applied: false, current: undefined };
    const reply = (await runScript(
      this.redis,
      'transitionTask',
      [this.keys.task(id), ...this.keys.allStatusIndexes(projectId)],
      [from.join(','), to, options.countAttempt ? '1' : '0', this.clock().toISOString(), ...encodeTaskFields(patch)],
    )) as [number, string?, number?];
    if (reply[0] === 1) return { applied: true, previous: reply[1] as TaskStatus, attempts: Number(reply[2]) };
    return { applied: false, current: reply[0] === 0 ? (reply[1] as TaskStatus) : undefined };
  }

  async update(id: string, patch: TaskPatch): Promise<boolean> {
    const status = (await this.redis.hget(this.keys.task(id), 'status')) as TaskStatus | null;
    if (!status || isFinished(status)) return false;
    // A same-status transition keeps the update atomic against a concurrent finish.
    const result = await this.transition(id, [status], status, patch);
    return result.applied;
  }

  async countByStatus(projectId: string, query: TaskCountQuery = {}): Promise<Record<TaskStatus, number>> {
    const counts = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;
    const windowed = query.from !== undefined || query.to !== undefined;
    const min = query.from !== undefined ? String(query.from) : '-inf';
    const max = query.to !== undefined ? String(query.to) : '+inf';
    if (query.codeName !== undefined && windowed) {
      // A code's tasks within a window: no index holds both, so read the statuses of the code's tasks in it.
      const codeIndex = this.keys.tasksByCode(projectId, query.codeName);
      for (let start = 0; ; start += COUNT_BATCH) {
        const ids = await this.redis.zrangebyscore(codeIndex, min, max, 'LIMIT', start, COUNT_BATCH);
        const pipeline = this.redis.pipeline();
        for (const id of ids) pipeline.hget(this.keys.task(id), 'status');
        for (const [, status] of (await pipeline.exec()) ?? []) {
          if (typeof status === 'string' && status in counts) counts[status as TaskStatus] += 1;
        }
        if (ids.length < COUNT_BATCH) break;
      }
      return counts;
    }
    const pipeline = this.redis.pipeline();
    for (const status of TASK_STATUSES) {
      const statusIndex = this.keys.tasksByStatus(projectId, status);
      if (query.codeName !== undefined) pipeline.zintercard(2, statusIndex, this.keys.tasksByCode(projectId, query.codeName));
      else if (windowed) pipeline.zcount(statusIndex, min, max);
      else pipeline.zcard(statusIndex);
    }
    const rows = (await pipeline.exec()) ?? [];
    TASK_STATUSES.forEach((status, i) => { counts[status] = Number(rows[i]?.[1] ?? 0); });
    return counts;
  }
}
