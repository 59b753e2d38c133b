import { describe, expect, it } from 'vitest';
import type { Task } from '../model.ts';
import { overviewSeries } from './series.ts';

const NOW = Date.parse('2026-05-01T12:00:30Z');
const at = (minutesAgo: number, seconds = 0): string => new Date(Date.parse('2026-05-01T12:00:00Z') - minutesAgo * 60_000 + seconds * 1000).toISOString();

function task(fields: Partial<Task>): Task {
  return { id: 'x', project_id: 'p', code_name: 'c', code_id: 'c', code_rev: 1, status: 'queued', priority: 0, timeout: 60, delay: 0, cluster: 'default', payload: '', created_at: at(5), updated_at: at(5), attempts: 0, trace_id: 't', ...fields };
}

describe('overviewSeries', () => {
  it('counts finished tasks in the minute they ended, by outcome', () => {
    const rows = overviewSeries([
      task({ status: 'complete', created_at: at(3), start_time: at(3, 2), end_time: at(2, 10) }),
      task({ status: 'error', created_at: at(3), start_time: at(3, 1), end_time: at(2, 20) }),
      task({ status: 'timeout', created_at: at(3), start_time: at(3, 1), end_time: at(0, 5) }),
    ], NOW, 5);
    expect(rows.map((r) => r.t)).toEqual([at(4), at(3), at(2), at(1), at(0)].map(Date.parse));
    expect(rows[2]!.finished).toEqual({ complete: 1, error: 1, cancelled: 0, timeout: 0 });
    expect(rows[4]!.finished.timeout).toBe(1);
  });

  it('counts a task as waiting from when it is due until its first attempt starts, or it ends unstarted', () => {
    const rows = overviewSeries([
      task({ status: 'running', created_at: at(4, 10), attempt_history: [{ attempt: 1, status: 'lost', start_time: at(2, 10) }], start_time: at(0, 1) }),
      task({ status: 'cancelled', created_at: at(3, 30), end_time: at(1, 30) }),
      task({ status: 'queued', created_at: at(1, 5), delay: 60 }), // due at 12:00:05
    ], NOW, 5);
    expect(rows.map((r) => r.queue_depth)).toEqual([1, 2, 1, 0, 1]);
  });

  it('gives the median and longest wait of the tasks whose first attempt started in each minute', () => {
    const rows = overviewSeries([
      task({ status: 'complete', created_at: at(1, 0), start_time: at(1, 2), end_time: at(1, 3) }),
      task({ status: 'complete', created_at: at(1, 0), start_time: at(1, 4), end_time: at(1, 5) }),
      task({ status: 'complete', created_at: at(2, 0), start_time: at(1, 20), end_time: at(1, 25) }),
    ], NOW, 3);
    expect(rows[1]).toMatchObject({ started: 3, wait_p50_ms: 4000, wait_max_ms: 80_000 });
    expect(rows[0]).toMatchObject({ started: 0, wait_p50_ms: null, wait_max_ms: null });
  });
});
