/**
 * The schedule store's atomic steps against a real Redis: a claim goes through once per version, a
 * lapsed firing is taken over by one caller at a time, a completion is recorded once, task creation
 * never overwrites, and the due set never undoes a change a tick did not see.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.ts';
import { createSchedule, pauseSchedule, replaceSchedule, resumeSchedule } from '../../src/service/schedules.ts';
import type { FiringClaim, ScheduleRecord } from '../../src/store/ports.ts';
import { startSchedulerContexts, type SchedulerContexts } from '../helpers/schedulers.ts';

let f: SchedulerContexts;

beforeEach(async () => {
  f = await startSchedulerContexts(2);
  await f.addCode('tick');
});

afterEach(async () => {
  await f.stop();
});

async function perMinute(): Promise<ScheduleRecord> {
  const s = await createSchedule(f.ctx, f.projectId, { code_name: 'tick', cron: '* * * * *' });
  return (await f.ctx.schedules.get(s.id))!;
}

function claimOf(record: ScheduleRecord, at: number, taskId = newId()): FiringClaim {
  return {
    version: record.version,
    lastHandled: new Date(at),
    next: new Date(at + 60_000),
    lastTaskId: taskId,
    fire: [{ at, task_id: taskId }],
    record: [],
    codeMissingReason: 'gone',
    leaseUntil: Date.now() + 60_000,
    now: new Date(),
  };
}

describe('the schedule store', () => {
  it('lets exactly one of two claims made from the same version through', async () => {
    const record = await perMinute();
    const at = record.next_ms!;
    const [a, b] = await Promise.all([
      f.contexts[0]!.schedules.claim(record, claimOf(record, at)),
      f.contexts[1]!.schedules.claim(record, claimOf(record, at)),
    ]);
    expect([a, b].sort()).toEqual(['claimed', 'conflict']);
    const after = (await f.ctx.schedules.get(record.id))!;
    expect(after).toMatchObject({ version: record.version + 1, run_count: 1, next_ms: at + 60_000, last_handled_ms: at });
    expect(await f.ctx.schedules.pending(record.id)).toHaveLength(1);
    expect(await f.ctx.schedules.due(at + 59_000, 10)).toEqual([]);
  });

  it('stops the schedule instead of claiming when its code package is gone, recording the occurrence as skipped', async () => {
    const record = await perMinute();
    await f.ctx.codes.delete(f.projectId, 'tick');
    expect(await f.ctx.schedules.claim(record, { ...claimOf(record, record.next_ms!), codeMissingReason: 'its code package "tick" was deleted' })).toBe('code-missing');
    expect(await f.ctx.schedules.get(record.id)).toMatchObject({ status: 'stopped', status_reason: 'its code package "tick" was deleted', run_count: 0 });
    expect(await f.ctx.schedules.history(record.id, 10)).toEqual([{ at: new Date(record.next_ms!).toISOString(), outcome: 'skipped', reason: 'its code package "tick" was deleted' }]);
    expect(await f.ctx.schedules.pending(record.id)).toEqual([]);
    expect(await f.ctx.schedules.due(Date.now() + 3_600_000, 10)).toEqual([]);
  });

  it('hands a pending firing over only after its lease lapses, to one caller at a time, and records its completion once', async () => {
    const record = await perMinute();
    const at = record.next_ms!;
    const claim = { ...claimOf(record, at), leaseUntil: Date.now() + 400 };
    expect(await f.ctx.schedules.claim(record, claim)).toBe('claimed');
    expect(await f.ctx.schedules.takeOver(record.id, at, Date.now(), Date.now() + 5000)).toBeUndefined();
    expect(await f.ctx.schedules.lapsedFirings(Date.now(), 10)).toEqual([]);

    const later = Date.now() + 500;
    expect(await f.ctx.schedules.lapsedFirings(later, 10)).toEqual([{ scheduleId: record.id, at }]);
    const [x, y] = await Promise.all([
      f.contexts[0]!.schedules.takeOver(record.id, at, later, later + 5000),
      f.contexts[1]!.schedules.takeOver(record.id, at, later, later + 5000),
    ]);
    expect([x, y].filter(Boolean)).toEqual([claim.fire[0]]);

    const entry = { at: new Date(at).toISOString(), outcome: 'queued' as const, task_id: claim.fire[0]!.task_id };
    expect(await f.ctx.schedules.completeFiring(record.id, at, entry, new Date().toISOString())).toBe(true);
    expect(await f.ctx.schedules.completeFiring(record.id, at, entry, new Date().toISOString())).toBe(false);
    expect(await f.ctx.schedules.history(record.id, 10)).toEqual([entry]);
    expect(await f.ctx.schedules.lapsedFirings(later + 10_000, 10)).toEqual([]);
  });

  it('refuses a change computed from an older version, so a replace never rewinds a claimed firing', async () => {
    const record = await perMinute();
    expect(await f.ctx.schedules.claim(record, claimOf(record, record.next_ms!))).toBe('claimed');
    const stale = await f.ctx.schedules.change(record.id, {
      from: ['scheduled'],
      set: { last_handled_ms: record.last_handled_ms! },
      version: record.version,
    });
    expect(stale).toEqual({ applied: false, current: 'scheduled', stale: true });
    expect((await f.ctx.schedules.get(record.id))?.last_handled_ms).toBe(record.next_ms);
  });

  it('creates a task once: creating the same id again returns the first record untouched', async () => {
    const id = newId();
    const base = {
      id, project_id: f.projectId, code_name: 'tick', code_id: 'c', code_rev: 1, priority: 0 as const, timeout: 60, delay: 0,
      cluster: 'default', payload: 'first', created_at: new Date().toISOString(), trace_id: 't',
    };
    expect((await f.ctx.queue.queueNew([{ task: base }]))[0]).toMatchObject({ id, status: 'queued' });
    await f.ctx.tasks.transition(id, ['queued'], 'preparing', {});
    expect(await f.ctx.queue.queueNew([{ task: { ...base, payload: 'second' } }])).toEqual([undefined]);
    expect(await f.ctx.tasks.get(id)).toMatchObject({ status: 'preparing', payload: 'first' });
    expect((await f.ctx.tasks.countByStatus(f.projectId)).queued).toBe(0);
  });

  it('keeps a schedule due when it was resumed after a tick read it as paused', async () => {
    const record = await perMinute();
    await pauseSchedule(f.ctx, f.projectId, record.id);
    const stale = (await f.ctx.schedules.get(record.id))!;
    expect(stale.status).toBe('paused');
    await resumeSchedule(f.ctx, f.projectId, record.id);
    await f.ctx.schedules.settleDue(record.id);
    expect(await f.ctx.schedules.due(Date.now(), 10)).toEqual([record.id]);
  });

  it('does not move a schedule that was replaced after a tick read it', async () => {
    const record = await perMinute();
    await replaceSchedule(f.ctx, f.projectId, record.id, { code_name: 'tick', cron: '* * * * * *' });
    const replaced = (await f.ctx.schedules.get(record.id))!;
    await f.ctx.schedules.settleDue(record.id, { version: record.version, nextMs: record.next_ms! + 3_600_000 });
    expect(await f.ctx.schedules.due(replaced.next_ms!, 10)).toEqual([record.id]);
  });
});

describe('the end of a schedule in the store', () => {
  const entryOf = (at: number, taskId: string) => ({ at: new Date(at).toISOString(), outcome: 'queued' as const, task_id: taskId });

  it('completes a schedule whose last occurrence is claimed only when that firing is recorded', async () => {
    const record = await perMinute();
    const at = record.next_ms!;
    const claim = { ...claimOf(record, at), next: null };
    expect(await f.ctx.schedules.claim(record, claim)).toBe('claimed');
    const ending = (await f.ctx.schedules.get(record.id))!;
    expect(ending).toMatchObject({ status: 'scheduled', version: record.version + 1, run_count: 1 });
    expect(ending.next_ms).toBeUndefined();
    expect(ending).not.toHaveProperty('ending');
    expect(await f.ctx.schedules.due(Date.now() + 3_600_000, 10)).toEqual([]);

    expect(await f.ctx.schedules.completeFiring(record.id, at, entryOf(at, claim.lastTaskId!))).toBe(true);
    expect(await f.ctx.schedules.get(record.id)).toMatchObject({ status: 'complete', version: record.version + 2 });
    expect(await f.ctx.schedules.history(record.id, 10)).toEqual([entryOf(at, claim.lastTaskId!)]);
  });

  it('waits for an earlier claim\'s firing when the last occurrence creates no task', async () => {
    const record = await perMinute();
    const at = record.next_ms!;
    const first = claimOf(record, at);
    expect(await f.ctx.schedules.claim(record, first)).toBe('claimed');
    const after = (await f.ctx.schedules.get(record.id))!;
    // The last occurrence is skipped (overlap) while the first firing's task is not queued yet.
    const skipped = { at: new Date(at + 60_000).toISOString(), outcome: 'skipped' as const, reason: 'still queued' };
    const last: FiringClaim = { ...claimOf(after, at + 60_000), next: null, fire: [], record: [skipped] };
    delete last.lastTaskId;
    expect(await f.ctx.schedules.claim(after, last)).toBe('claimed');
    expect((await f.ctx.schedules.get(record.id))?.status).toBe('scheduled');

    expect(await f.ctx.schedules.completeFiring(record.id, at, entryOf(at, first.lastTaskId!))).toBe(true);
    expect((await f.ctx.schedules.get(record.id))?.status).toBe('complete');
    expect(await f.ctx.schedules.history(record.id, 10)).toEqual([entryOf(at, first.lastTaskId!), skipped]);
  });

  it('completes at once when nothing is pending, and a replace that leaves no occurrence waits like a claim', async () => {
    const idle = await perMinute();
    expect(await f.ctx.schedules.claim(idle, { ...claimOf(idle, idle.next_ms!), next: null, fire: [], record: [] })).toBe('claimed');
    expect((await f.ctx.schedules.get(idle.id))?.status).toBe('complete');

    const record = await perMinute();
    const at = record.next_ms!;
    const claim = claimOf(record, at);
    expect(await f.ctx.schedules.claim(record, claim)).toBe('claimed');
    const ended = await replaceSchedule(f.ctx, f.projectId, record.id, { code_name: 'tick', cron: '* * * * *', end_at: new Date(Date.now() - 1000).toISOString() });
    expect(ended.status).toBe('scheduled');
    expect(await f.ctx.schedules.due(Date.now() + 3_600_000, 10)).toEqual([]);
    expect(await f.ctx.schedules.completeFiring(record.id, at, entryOf(at, claim.lastTaskId!))).toBe(true);
    expect((await f.ctx.schedules.get(record.id))?.status).toBe('complete');
  });

  it('leaves a schedule paused meanwhile to its resume instead of completing it', async () => {
    const record = await perMinute();
    const at = record.next_ms!;
    const claim = { ...claimOf(record, at), next: null };
    expect(await f.ctx.schedules.claim(record, claim)).toBe('claimed');
    await pauseSchedule(f.ctx, f.projectId, record.id);
    expect(await f.ctx.schedules.completeFiring(record.id, at, entryOf(at, claim.lastTaskId!))).toBe(true);
    expect((await f.ctx.schedules.get(record.id))?.status).toBe('paused');
    // Resumed, it is due at once, and the tick finds nothing left: a claim without a next occurrence.
    await resumeSchedule(f.ctx, f.projectId, record.id);
    const resumed = (await f.ctx.schedules.get(record.id))!;
    expect(await f.ctx.schedules.due(Date.now(), 10)).toEqual([record.id]);
    expect(await f.ctx.schedules.claim(resumed, { ...claimOf(resumed, at), next: null, fire: [], record: [] })).toBe('claimed');
    expect((await f.ctx.schedules.get(record.id))?.status).toBe('complete');
  });
});
