import { describe, expect, it } from 'vitest';
import { planDue, MISSED_SAMPLE } from '../core/schedule/plan.ts';
import { parseScheduleDefinition } from '../core/schedule/schema.ts';
import { decideFirings, type DecisionInput } from './firing-decisions.ts';

const T = (time: string): Date => new Date(`2026-05-05T${time}Z`);
const hhmmss = (iso: string | number): string => new Date(iso).toISOString().slice(11, 19);

function decide(text: Record<string, unknown>, last: string, now: string, extra: Partial<DecisionInput> = {}, runCount = 0) {
  const def = parseScheduleDefinition({ cron: '* * * * *', ...text });
  const plan = planDue(def, { lastFiredAt: T(last), runCount, now: T(now), lateToleranceMs: 30_000 });
  let n = 0;
  return decideFirings({
    def,
    plan,
    runCount,
    now: T(now),
    previous: undefined,
    newTaskId: () => `task-${++n}`,
    missedReason: () => 'no scheduler was running to fire it in time',
    ...extra,
  });
}

describe('decideFirings', () => {
  it('gives each due occurrence a task id decided now and points at the next occurrence', () => {
    const d = decide({}, '10:00:00', '10:01:00.200');
    expect(d.fire).toEqual([{ at: T('10:01:00').getTime(), task_id: 'task-1' }]);
    expect(d.lastTaskId).toBe('task-1');
    expect(d.next?.toISOString()).toBe(T('10:02:00').toISOString());
    expect(d.lastHandled?.toISOString()).toBe(T('10:01:00').toISOString());
    expect(d.record).toEqual([]);
  });

  it('records a firing as skipped, with the reason, while the previous task is still running (overlap skip)', () => {
    const d = decide({ overlap: 'skip' }, '10:00:00', '10:01:00.200', { previous: { taskId: 'old', status: 'running' } });
    expect(d.fire).toEqual([]);
    expect(d.record).toEqual([{ at: T('10:01:00').toISOString(), outcome: 'skipped', reason: 'the previous task old of this schedule is still running' }]);
    expect(d.lastTaskId).toBeUndefined();
  });

  it('fires when the previous task has finished, whatever the overlap policy', () => {
    const d = decide({ overlap: 'skip' }, '10:00:00', '10:01:00.200', { previous: { taskId: 'old', status: 'complete' } });
    expect(d.fire).toHaveLength(1);
  });

  it('names the previous task to cancel under cancel-previous', () => {
    const d = decide({ overlap: 'cancel-previous' }, '10:00:00', '10:01:00.200', { previous: { taskId: 'old', status: 'queued' } });
    expect(d.fire).toEqual([{ at: T('10:01:00').getTime(), task_id: 'task-1', cancel_task_id: 'old' }]);
  });

  it('checks overlap occurrence by occurrence: a catch-up under skip queues the first and skips the rest', () => {
    const d = decide({ overlap: 'skip', missed: 'catch-up:3' }, '10:00:00', '10:10:45');
    expect(d.fire.map((f) => hhmmss(f.at))).toEqual(['10:08:00']);
    expect(d.record.filter((r) => r.outcome === 'skipped').map((r) => hhmmss(r.at))).toEqual(['10:09:00', '10:10:00']);
    expect(d.record.filter((r) => r.outcome === 'missed')).toHaveLength(7);
  });

  it('under cancel-previous, each catch-up firing cancels the task of the one before it', () => {
    const d = decide({ overlap: 'cancel-previous', missed: 'catch-up:3' }, '10:00:00', '10:10:45', { previous: { taskId: 'old', status: 'running' } });
    expect(d.fire.map((f) => f.cancel_task_id)).toEqual(['old', 'task-1', 'task-2']);
    expect(d.lastTaskId).toBe('task-3');
  });

  it('records missed occurrences oldest first with their reason, merged in time order with skipped ones', () => {
    const d = decide({ overlap: 'skip', missed: 'run-once' }, '10:00:00', '10:03:45', { previous: { taskId: 'old', status: 'running' } });
    expect(d.record.map((r) => `${hhmmss(r.at)} ${r.outcome}`)).toEqual(['10:01:00 missed', '10:02:00 missed', '10:03:00 skipped']);
    expect(d.record[0]?.reason).toBe('no scheduler was running to fire it in time');
  });

  it('says how many missed occurrences a capped list leaves out, and between which instants', () => {
    const def = parseScheduleDefinition({ cron: '* * * * * *' });
    const plan = planDue(def, { lastFiredAt: T('00:00:00'), runCount: 0, now: T('10:00:00'), lateToleranceMs: 0 });
    const d = decideFirings({ def, plan, runCount: 0, now: T('10:00:00'), previous: undefined, newTaskId: () => 't', missedReason: () => 'down' });
    expect(d.record).toHaveLength(2 * MISSED_SAMPLE);
    const omitted = plan.missedCount - 2 * MISSED_SAMPLE;
    const before = d.record[MISSED_SAMPLE - 1]?.at;
    const after = d.record[MISSED_SAMPLE]?.at;
    expect(before).toBe('2026-05-05T00:01:40.000Z');
    expect(d.record[MISSED_SAMPLE]?.reason).toBe(`down; ${omitted} more occurrences between ${before} and ${after} were missed too and are not listed`);
    expect(d.record[MISSED_SAMPLE - 1]?.reason).toBe('down');
  });

  it('keeps a run_times schedule going when an overlap skip left a run unused', () => {
    const d = decide({ overlap: 'skip', run_times: 1 }, '10:00:00', '10:01:00.200', { previous: { taskId: 'old', status: 'running' } });
    expect(d.fire).toEqual([]);
    expect(d.next?.toISOString()).toBe(T('10:02:00').toISOString());
  });

  it('completes a run_times schedule once its last run fires', () => {
    const d = decide({ run_times: 3 }, '10:00:00', '10:01:00.200', {}, 2);
    expect(d.fire).toHaveLength(1);
    expect(d.next).toBeNull();
  });
});
