/**
 * Exactly one firing per occurrence, with real Redis and real time: three schedulers (three contexts,
 * each with its own Redis connections, as three servers would have) race on a per-second schedule for
 * over a minute; and a scheduler that dies between claiming a firing and queueing its task leaves it to
 * another, which completes it once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Task } from '../../src/core/model.ts';
import { createSchedule } from '../../src/service/schedules.ts';
import type { PendingFiring } from '../../src/store/ports.ts';
import { sleep, startSchedulerContexts, waitFor, type SchedulerContexts } from '../helpers/schedulers.ts';

let fleet: SchedulerContexts | undefined;

afterEach(async () => {
  await fleet?.stop();
  fleet = undefined;
});

async function tasksOfSchedule(f: SchedulerContexts, scheduleId: string): Promise<Task[]> {
  const tasks = await f.ctx.tasks.list(f.projectId, { limit: 10_000 });
  return tasks.filter((t) => t.schedule_id === scheduleId);
}

class SimulatedCrash extends Error {}

describe('exactly one firing per occurrence', () => {
  it('fires every second of a per-second schedule once, and none twice, with three schedulers racing for 65 seconds', async () => {
    const f = (fleet = await startSchedulerContexts(3));
    await f.addCode('tick');
    const claimed: number[] = [];
    for (let i = 0; i < 3; i++) {
      await f.startScheduler(i, { hooks: { afterClaim: (_id, firings) => { claimed.push(...firings.map((x) => x.at)); } } });
    }
    const schedule = await createSchedule(f.ctx, f.projectId, { code_name: 'tick', cron: '* * * * * *', name: 'every-second' });
    const createdMs = Date.parse(schedule.created_at);

    await sleep(65_000);
    await f.stopSchedulers();
    const stoppedMs = Date.now();

    const history = await f.ctx.schedules.history(schedule.id, 1000);
    const tasks = await tasksOfSchedule(f, schedule.id);
    const record = await f.ctx.schedules.get(schedule.id);

    // Every occurrence from the first second after creation to the last before the stop, in order, once.
    const firstMs = Math.floor(createdMs / 1000) * 1000 + 1000;
    const ats = history.map((h) => Date.parse(h.at));
    expect(ats[0]).toBe(firstMs);
    const expected: number[] = [];
    for (let t = firstMs; t <= ats[ats.length - 1]!; t += 1000) expected.push(t);
    expect(ats).toEqual(expected);
    expect(ats.length).toBeGreaterThanOrEqual(63);
    expect(ats[ats.length - 1]).toBeGreaterThanOrEqual(Math.floor(stoppedMs / 1000) * 1000 - 2000);
    expect(new Set(claimed).size).toBe(claimed.length);
    expect([...claimed].sort((a, b) => a - b)).toEqual(ats);

    // Each occurrence queued exactly one task, and every task the schedule made is in its history.
    expect(history.every((h) => h.outcome === 'queued')).toBe(true);
    const historyTaskIds = history.map((h) => h.task_id);
    expect(new Set(historyTaskIds).size).toBe(history.length);
    expect(tasks.map((t) => t.id).sort()).toEqual([...historyTaskIds].sort());
    expect(tasks.every((t) => t.status === 'queued' && t.code_name === 'tick')).toBe(true);
    expect(record?.run_count).toBe(tasks.length);
    expect(await f.ctx.schedules.pending(schedule.id)).toEqual([]);
    expect(await f.ctx.queue.depth('default')).toBe(tasks.length);
  }, 120_000);

  it('completes, once, a firing whose scheduler stopped between claiming it and queueing its task', async () => {
    const f = (fleet = await startSchedulerContexts(2));
    await f.addCode('tick');
    let claimedFiring: PendingFiring | undefined;
    await f.startScheduler(0, {
      leaseMs: 1500,
      hooks: {
        afterClaim: (_id, firings) => {
          claimedFiring = firings[0];
          throw new SimulatedCrash('stopped after the claim, before the enqueue');
        },
      },
    });
    const schedule = await createSchedule(f.ctx, f.projectId, { code_name: 'tick', cron: '* * * * * *', run_times: 1 });
    await waitFor('the first scheduler to claim the firing', async () => claimedFiring);
    await f.stopSchedulers();

    // The claim is recorded and its task id fixed, but no task exists yet and nothing is in the history;
    // so the schedule, although it has no occurrence left, is not complete yet (and not due either).
    const firing = claimedFiring!;
    expect(await f.ctx.schedules.pending(schedule.id)).toEqual([firing]);
    expect(await f.ctx.tasks.get(firing.task_id)).toBeUndefined();
    expect(await f.ctx.schedules.history(schedule.id, 10)).toEqual([]);
    expect(await f.ctx.schedules.get(schedule.id)).toMatchObject({ status: 'scheduled', run_count: 1 });
    expect(await f.ctx.schedules.due(Date.now() + 60_000, 10)).toEqual([]);

    // Another scheduler takes the lapsed firing over and queues exactly that task.
    await f.startScheduler(1);
    const history = await waitFor('the firing to be completed', async () => {
      const h = await f.ctx.schedules.history(schedule.id, 10);
      return h.length > 0 ? h : undefined;
    });
    expect(history).toEqual([{ at: new Date(firing.at).toISOString(), outcome: 'queued', task_id: firing.task_id }]);
    const tasks = await tasksOfSchedule(f, schedule.id);
    expect(tasks.map((t) => t.id)).toEqual([firing.task_id]);
    expect(tasks[0]?.status).toBe('queued');
    expect(await f.ctx.queue.depth('default')).toBe(1);
    expect(await f.ctx.schedules.pending(schedule.id)).toEqual([]);
    expect((await f.ctx.schedules.get(schedule.id))?.status).toBe('complete');
  }, 60_000);

  it('does not queue a second task when the scheduler stopped after queueing but before recording', async () => {
    const f = (fleet = await startSchedulerContexts(2));
    await f.addCode('tick');
    let queuedFiring: PendingFiring | undefined;
    await f.startScheduler(0, {
      leaseMs: 1500,
      hooks: {
        afterQueue: (_id, firing) => {
          queuedFiring = firing;
          throw new SimulatedCrash('stopped after the enqueue, before the record');
        },
      },
    });
    const schedule = await createSchedule(f.ctx, f.projectId, { code_name: 'tick', cron: '* * * * * *', run_times: 1 });
    await waitFor('the first scheduler to queue the task', async () => queuedFiring);
    await f.stopSchedulers();
    const firing = queuedFiring!;
    expect((await f.ctx.tasks.get(firing.task_id))?.status).toBe('queued');
    expect(await f.ctx.schedules.history(schedule.id, 10)).toEqual([]);

    await f.startScheduler(1);
    const history = await waitFor('the firing to be recorded', async () => {
      const h = await f.ctx.schedules.history(schedule.id, 10);
      return h.length > 0 ? h : undefined;
    });
    expect(history).toEqual([{ at: new Date(firing.at).toISOString(), outcome: 'queued', task_id: firing.task_id }]);
    expect((await tasksOfSchedule(f, schedule.id)).map((t) => t.id)).toEqual([firing.task_id]);
    expect(await f.ctx.queue.depth('default')).toBe(1);
  }, 60_000);
});
