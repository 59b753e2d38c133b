/**
 * The embedded span store: every finished span of a trace as one JSON entry of a Redis list, kept as
 * long as task logs are (DOCKHAND_LOG_RETENTION_DAYS), so a trace can be drawn with no collector. A
 * small hash beside it says which task and project own the trace (for access checks) and which span
 * each attempt ran under (so a later attempt can link to the one before).
 *
 *   await store.append([record]);
 *   const spans = await store.spans(task.trace_id);
 */
import type { Redis } from 'ioredis';
import type { Keys } from '../store/redis/keys.ts';
import { runScript } from '../store/redis/scripts.ts';
import type { SpanRecord } from './span-record.ts';

/** A trace keeps at most this many spans; a task that floods spans cannot fill Redis. */
export const MAX_SPANS_PER_TRACE = 5000;

export interface TraceOwner {
  taskId: string;
  projectId: string;
}

export class RedisSpanStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly retentionSeconds: number,
  ) {}

  /**
   * One script call for the whole batch, however many traces it touches (append-spans.lua); the
   * command is sent before this returns its promise, so appends reach Redis in call order.
   */
  async append(records: readonly SpanRecord[]): Promise<void> {
    if (records.length === 0) return;
    const byTrace = new Map<string, string[]>();
    for (const record of records) {
      const list = byTrace.get(record.trace_id) ?? [];
      list.push(JSON.stringify(record));
      byTrace.set(record.trace_id, list);
    }
    const keys: string[] = [];
    const args: (string | number)[] = [MAX_SPANS_PER_TRACE, this.retentionSeconds];
    for (const [traceId, entries] of byTrace) {
      keys.push(this.keys.traceSpans(traceId));
      args.push(entries.length, ...entries);
    }
    await runScript(this.redis, 'appendSpans', keys, args);
  }

  async spans(traceId: string): Promise<SpanRecord[]> {
    let raw: string[];
    try {
      raw = await this.redis.lrange(this.keys.traceSpans(traceId), 0, -1);
    } catch (err) {
      // A key that is not a list was not written by us: no spans, rather than a failed request.
      if (err instanceof Error && err.message.startsWith('WRONGTYPE')) return [];
      throw err;
    }
    const spans: SpanRecord[] = [];
    for (const entry of raw) {
      try {
        spans.push(JSON.parse(entry) as SpanRecord);
      } catch {
        // An entry that is not JSON was not written by us; skip it rather than fail the whole trace.
      }
    }
    return spans;
  }

  // Plain commands rather than MULTI: nothing reads these fields half-written, and a transaction
  // costs several times more client CPU on a path every task takes.
  async setOwner(traceId: string, owner: TraceOwner): Promise<void> {
    await this.setOwners([{ traceId, owner }]);
  }

  /** The owners of many traces (a batch of tasks) in one pipelined round trip. */
  async setOwners(entries: readonly { traceId: string; owner: TraceOwner }[]): Promise<void> {
    if (entries.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const { traceId, owner } of entries) {
      const key = this.keys.traceMeta(traceId);
      pipeline.hset(key, 'task_id', owner.taskId, 'project_id', owner.projectId).expire(key, this.retentionSeconds);
    }
    await pipeline.exec();
  }

  async owner(traceId: string): Promise<TraceOwner | undefined> {
    const [taskId, projectId] = await this.redis.hmget(this.keys.traceMeta(traceId), 'task_id', 'project_id');
    return taskId && projectId ? { taskId, projectId } : undefined;
  }

  /** Remembers the span an attempt ran under. */
  async setAttemptSpan(traceId: string, attempt: number, spanId: string): Promise<void> {
    const key = this.keys.traceMeta(traceId);
    await Promise.all([this.redis.hset(key, `attempt:${attempt}`, spanId), this.redis.expire(key, this.retentionSeconds)]);
  }

  async attemptSpan(traceId: string, attempt: number): Promise<string | undefined> {
    return (await this.redis.hget(this.keys.traceMeta(traceId), `attempt:${attempt}`)) ?? undefined;
  }
}
