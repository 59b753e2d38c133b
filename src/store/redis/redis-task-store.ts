/**
 * TaskStore on Redis: a hash per task, sorted-set indexes per project (all, by status, by code), and
 * every status change through the one `transition-task` script. Creation is one `create-task` script
 * that never overwrites an existing task, so creating the same id twice is harmless.
 */
import type { Redis } from 'ioredis';
import type { Task } from '../../core/model.ts';
import { TASK_STATUSES, isFinished, type TaskStatus } from '../../core/task-status.ts';
import type { NewTask, TaskListQuery, TaskPatch, TaskStore, TransitionResult } from '../ports.ts';
import type { Keys } from './keys.ts';
import { runScript } from './scripts.ts';
import { decodeTask, encodeTaskFields } from './task-codec.ts';

export class RedisTaskStore implements TaskStore {
  constructor(private readonly redis: Redis, private readonly keys: Keys, private readonly clock: () => Date = () => new Date()) {}

  async create(input: NewTask): Promise<Task> {
    return (await this.createIfAbsent(input)).task;
  }

  async createIfAbsent(input: NewTask): Promise<{ task: Task; created: boolean }> {
    const now = this.clock().toISOString();
    const task: Task = { ...input, status: 'queued', attempts: 0, updated_at: now };
    const createdMs = Date.parse(task.created_at);
    const created = await runScript(
      this.redis,
      'createTask',
      [this.keys.task(task.id), this.keys.tasks(task.project_id), this.keys.tasksByStatus(task.project_id, 'queued'), this.keys.tasksByCode(task.project_id, task.code_name)],
      [task.id, createdMs, ...encodeTaskFields({ ...task })],
    );
    if (created === 1) return { task, created: true };
    const existing = await this.get(task.id);
    if (!existing) throw new Error(`Task ${task.id} exists and vanished while being read`);
    return { task: existing, created: false };
  }

  async get(id: string): Promise<Task | undefined> {
    return decodeTask(await this.redis.hgetall(this.keys.task(id)));
  }

  async list(projectId: string, query: TaskListQuery): Promise<Task[]> {
    const max = query.before !== undefined ? `(${query.before}` : query.to !== undefined ? String(query.to) : '+inf';
    const min = query.from !== undefined ? String(query.from) : '-inf';
    const indexes = query.status?.length
      ? query.status.map((s) => this.keys.tasksByStatus(projectId, s))
      : [this.keys.tasks(projectId)];
    const scored: { id: string; score: number }[] = [];
    for (const index of indexes) {
      const flat = await this.redis.zrevrangebyscore(index, max, min, 'WITHSCORES', 'LIMIT', 0, query.limit);
      for (let i = 0; i < flat.length; i += 2) scored.push({ id: flat[i]!, score: Number(flat[i + 1]) });
    }
    scored.sort((a, b) => b.score - a.score);
    const pipeline = this.redis.pipeline();
    for (const { id } of scored) pipeline.hgetall(this.keys.task(id));
    const rows = (await pipeline.exec()) ?? [];
    const tasks: Task[] = [];
    for (const [, hash] of rows) {
      const task = decodeTask(hash as Record<string, string>);
      if (!task) continue;
      if (query.codeName && task.code_name !== query.codeName) continue;
      tasks.push(task);
      if (tasks.length >= query.limit) break;
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

  async countByStatus(projectId: string): Promise<Record<TaskStatus, number>> {
    const pipeline = this.redis.pipeline();
    for (const status of TASK_STATUSES) pipeline.zcard(this.keys.tasksByStatus(projectId, status));
    const rows = (await pipeline.exec()) ?? [];
    const counts = {} as Record<TaskStatus, number>;
    TASK_STATUSES.forEach((status, i) => { counts[status] = Number(rows[i]?.[1] ?? 0); });
    return counts;
  }
}
