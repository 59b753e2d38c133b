/**
 * The dashboard's overview as numbers: per minute of a window, the tasks that finished by outcome,
 * how many waited in the queue, and how long the tasks that started waited (queued -> first start).
 * Pure: worked out from task records (creation, first start, end), which the fleet keeps anyway, so
 * nothing new is recorded on the hot path and any server answers the same.
 *
 *   overviewSeries(tasks, Date.now(), 60)   // { minutes: [{ t, complete, error, ... }, ...] }
 */
import type { Task } from '../model.ts';
import { FINISHED_STATUSES, type FinishedStatus } from '../task-status.ts';

export interface OverviewMinute {
  /** Start of the minute, ms since the epoch. */
  t: number;
  /** Tasks that finished in this minute, by how they ended. */
  finished: Record<FinishedStatus, number>;
  /** Tasks waiting in the queue at the end of the minute (created, due, not started, not ended). */
  queue_depth: number;
  /** Of the tasks whose first attempt started in this minute: how many, and their median and longest wait (ms). */
  started: number;
  wait_p50_ms: number | null;
  wait_max_ms: number | null;
}

const MINUTE_MS = 60_000;

/** When a task became due: its creation plus its delay. */
function dueMs(task: Task): number {
  return Date.parse(task.queued_at ?? task.created_at) + (task.delay ?? 0) * 1000;
}

/** When its first attempt started, if one did. */
function firstStartMs(task: Task): number | undefined {
  const first = task.attempt_history?.[0]?.start_time ?? task.start_time;
  return first !== undefined ? Date.parse(first) : undefined;
}

function median(sorted: number[]): number | null {
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2);
}

export function overviewSeries(tasks: readonly Task[], nowMs: number, minutes: number): OverviewMinute[] {
  const firstMinute = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS - (minutes - 1) * MINUTE_MS;
  const rows = Array.from({ length: minutes }, (_, i) => ({
    t: firstMinute + i * MINUTE_MS,
    finished: Object.fromEntries(FINISHED_STATUSES.map((s) => [s, 0])) as Record<FinishedStatus, number>,
    waits: [] as number[],
    depth: 0,
  }));
  const slot = (ms: number): number => Math.floor((ms - firstMinute) / MINUTE_MS);
  for (const task of tasks) {
    const due = dueMs(task);
    const started = firstStartMs(task);
    const ended = task.end_time !== undefined ? Date.parse(task.end_time) : undefined;
    if (ended !== undefined && (FINISHED_STATUSES as readonly string[]).includes(task.status)) {
      const at = slot(ended);
      if (at >= 0 && at < minutes) rows[at]!.finished[task.status as FinishedStatus] += 1;
    }
    if (started !== undefined) {
      const at = slot(started);
      if (at >= 0 && at < minutes) rows[at]!.waits.push(Math.max(0, started - due));
    }
    // Waiting from due until its first start, or its end if it never started (cancelled while queued).
    const leftQueue = started ?? ended ?? Number.POSITIVE_INFINITY;
    for (const row of rows) {
      const endOfMinute = Math.min(row.t + MINUTE_MS, nowMs);
      if (due <= endOfMinute && leftQueue > endOfMinute) row.depth += 1;
    }
  }
  return rows.map((row) => {
    const waits = row.waits.sort((a, b) => a - b);
    return {
      t: row.t,
      finished: row.finished,
      queue_depth: row.depth,
      started: waits.length,
      wait_p50_ms: median(waits),
      wait_max_ms: waits.length ? waits[waits.length - 1]! : null,
    };
  });
}
