/**
 * Schedule policies with real Redis and real time, on a fleet without workers (tasks stay queued, so
 * "the previous task is still queued" is a state a test can hold): overlap skip and cancel-previous,
 * each missed-run policy after a downtime, pause and resume, the ends of a schedule (run_times, end_at)
 * and a schedule whose code package is deleted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Schedule, ScheduleFiring, Task } from '../../src/core/model.ts';
import { deleteCode } from '../../src/service/codes.ts';
import { cancelSchedule, createSchedule, getSchedule, pauseSchedule, replaceSchedule, resumeSchedule } from '../../src/service/schedules.ts';
import { cancelTask, getTask } from '../../src/service/tasks.ts';
import { sleep, sleepUntil, startSchedulerContexts, waitFor, type SchedulerContexts } from '../helpers/schedulers.ts';

let fleet: SchedulerContexts | undefined;

afterEach(async () => {
  await fleet?.stop();
  fleet = undefined;
});

const iso = (ms: number): string => new Date(ms).toISOString();
const outcomes = (history: ScheduleFiring[]): string[] => history.map((h) => h.outcome);

async function history(f: SchedulerContexts, id: string): Promise<ScheduleFiring[]> {
  return f.ctx.schedules.history(id, 1000);
}

async function tasksOf(f: SchedulerContexts, id: string): Promise<Task[]> {
  return (await f.ctx.tasks.list(f.projectId, { limit: 1000 })).filter((t) => t.schedule_id === id);
}

/** Consecutive seconds, each once: the history of a per-second schedule has no gap and no repeat. */
function expectEverySecondOnce(entries: ScheduleFiring[]): void {
  const ats = entries.map((e) => Date.parse(e.at));
  ats.forEach((at, i) => {
    if (i > 0) expect(at - ats[i - 1]!).toBe(1000);
  });
}

describe('overlap policies', () => {
  it('skip: records a firing as skipped, naming the previous task, while that task is still queued', async () => {
    const f = (fleet = await startSchedulerContexts(1));
    await f.addCode('tick');
    await f.startScheduler(0);
    const s = await createSchedule(f.ctx, f.projectId, { code_name: 'tick', cron: '* * * * * *', overlap: 'skip' });

    const first = await waitFor('three skipped firings', async () => {
      const h = await history(f, s.id);
      return h.filter((e) => e.outcome === 'skipped').length >= 3 ? h : undefined;
    });
    const queued = first.filter((e) => e.outcome === 'queued');
    expect(queued).toHaveLength(1);
    const previous = queued[0]!.task_id!;
    for (const skipped of first.slice(1)) {
      expect(skipped).toEqual({ at: skipped.at, outcome: 'skipped', reason: `the previous task ${previous} of this schedule is still queued` });
    }

    // Once the previous task has finished (here: cancelled), the next occurrence fires again.
    await cancelTask(f.ctx, f.projectId, previous);
    const after = await waitFor('a second queued firing', async () => {
      const h = await history(f, s.id);
      return h.filter((e) => e.outcome === 'queued').length >= 2 ? h : undefined;
    });
    await cancelSchedule(f.ctx, f.projectId, s.id);
    expectEverySecondOnce(after);
    expect((await tasksOf(f, s.id)).length).toBe(2);
    expect((await getSchedule(f.ctx, f.projectId, s.id)).run_count).toBe(2);
  }, 60_000);

  it('cancel-previous: cancels the schedule\'s previous task and queues the new one', async () => {
    const f = (fleet = await startSchedulerContexts(1));
    await f.addCode('tick');
    await f.startScheduler(0);
    const s = await createSchedule(f.ctx, f.projectId, { code_name: 'tick', cron: '* * * * * *', overlap: 'cancel-previous', run_times: 3 });
    await waitFor('the schedule to complete', async () => ((await getSchedule(f.ctx, f.projectId, s.id)).status === 'complete' ? true : undefined));
    const h = await waitFor('three recorded firings', async () => {
      const entries = await history(f, s.id);
      return entries.length === 3 ? entries : undefined;
    });
    expect(outcomes(h)).toEqual(['queued', 'queued', 'queued']);
    expect(h[0]?.reason).toBeUndefined();
    expect(h[1]?.reason).toBe(`cancelled the previous task ${h[0]?.task_id}`);
    expect(h[2]?.reason).toBe(`cancelled the previous task ${h[1]?.task_id}`);
    const statuses = await Promise.all(h.map(async (e) => (await getTask(f.ctx, f.projectId, e.task_id!)).status));
    expect(statuses).toEqual(['cancelled', 'cancelled', 'queued']);
  }, 60_000);
});

describe('missed-run policies after a downtime', () => {
  it('skip, run-once and catch-up:2 each handle the occurrences no scheduler was running for', async () => {
    const f = (fleet = await startSchedulerContexts(1));
    await f.addCode('tick');
    // Every 3 seconds; no scheduler runs while four occurrences pass. The tolerance (700 ms) is shorter
    // than the gap between the last missed occurrence and the restart (1.5 s), so all four are missed.
    const cron = '*/3 * * * * *';
    // Keep clear of an occurrence while creating, so all three share their first occurrence.
    if (Date.now() % 3000 > 2500) await sleep(700);
    const skip = await createSchedule(f.ctx, f.projectId, { code_name: 'tick', cron, missed: 'skip' });
    const runOnce = await createSchedule(f.ctx, f.projectId, { code_name: 'tick', cron, missed: 'run-once' });
    const catchUp = await createSchedule(f.ctx, f.projectId, { code_name: 'tick', cron, missed: 'catch-up:2' });
    const first = Date.parse(skip.next_start!);
    expect(Date.parse(runOnce.next_start!)).toBe(first);
    const missedSpan = [first, first + 3000, first + 6000, first + 9000];

    await sleepUntil(first + 10_500);
    await f.startScheduler(0, { lateToleranceMs: 700 });
    await sleepUntil(first + 13_500);
    await f.stopSchedulers();

    const down = 'no scheduler was running to fire it in time';
    const missed = (at: number): ScheduleFiring => ({ at: iso(at), outcome: 'missed', reason: down });
    const [hSkip, hRunOnce, hCatchUp] = await Promise.all([history(f, skip.id), history(f, runOnce.id), history(f, catchUp.id)]);

    expect(hSkip.slice(0, 4)).toEqual(missedSpan.map(missed));
    expect(hRunOnce.slice(0, 3)).toEqual(missedSpan.slice(0, 3).map(missed));
    expect(hRunOnce[3]).toMatchObject({ at: iso(first + 9000), outcome: 'queued' });
    expect(hCatchUp.slice(0, 2)).toEqual(missedSpan.slice(0, 2).map(missed));
    expect(hCatchUp.slice(2, 4)).toMatchObject([
      { at: iso(first + 6000), outcome: 'queued' },
      { at: iso(first + 9000), outcome: 'queued' },
    ]);
    // After the downtime the schedules fire on time again: the next occurrence is queued by each.
    for (const h of [hSkip, hRunOnce, hCatchUp]) expect(h.find((e) => e.at === iso(first + 12_000))?.outcome).toBe('queued');

    const counts = await Promise.all([skip, runOnce, catchUp].map(async (s) => (await tasksOf(f, s.id)).length));
    expect(counts).toEqual([1, 2, 3]);
  }, 60_000);
});

describe('pause and resume', () => {
  it('keeps the schedule\'s identity and applies the missed-run policy to what fell inside the pause', async () => {
    const f = (fleet = await startSchedulerContexts(1));
    await f.addCode('tick');
    await f.startScheduler(0, { lateToleranceMs: 2000 });
    const s = await createSchedule(f.ctx, f.projectId, { code_name: 'tick', cron: '* * * * * *', missed: 'catch-up:2', name: 'pausable' });
    await waitFor('two firings', async () => ((await history(f, s.id)).length >= 2 ? true : undefined));

    const paused = await pauseSchedule(f.ctx, f.projectId, 'pausable');
    expect(paused).toMatchObject({ id: s.id, status: 'paused' });
    const countAtPause = (await history(f, s.id)).length;
    await sleep(4500);
    expect((await history(f, s.id)).length).toBe(countAtPause);

    const resumed = await resumeSchedule(f.ctx, f.projectId, s.id);
    expect(resumed).toMatchObject({ id: s.id, name: 'pausable', status: 'scheduled' });
    await sleep(1500);
    await f.stopSchedulers();

    const h = await history(f, s.id);
    expectEverySecondOnce(h);
    const pausedMs = Date.parse(resumed.paused_at!);
    const resumedMs = Date.parse(resumed.resumed_at!);
    const inPause = h.filter((e) => Date.parse(e.at) > pausedMs && Date.parse(e.at) <= resumedMs);
    // Four or five occurrences fell inside the pause: catch-up:2 queues the two most recent.
    expect(inPause.length).toBeGreaterThanOrEqual(4);
    expect(outcomes(inPause).slice(-2)).toEqual(['queued', 'queued']);
    for (const entry of inPause.slice(0, -2)) expect(entry).toEqual({ at: entry.at, outcome: 'missed', reason: 'the schedule was paused' });
    const final: Schedule = await getSchedule(f.ctx, f.projectId, s.id);
    expect(final.run_count).toBe(h.filter((e) => e.outcome === 'queued').length);
    expect(final.run_count).toBe((await tasksOf(f, s.id)).length);
  }, 60_000);
});

describe('replacing a schedule', () => {
  it('keeps its id, run count and history, and never fires an occurrence twice while replaced under a running scheduler', async () => {
    const f = (fleet = await startSchedulerContexts(2));
    await f.addCode('tick');
    await f.startScheduler(0);
    await f.startScheduler(1);
    const s = await createSchedule(f.ctx, f.projectId, { code_name: 'tick', cron: '* * * * * *', payload: 'v0', name: 'busy' });
    // Alternate two spellings of "every second" (a timing change each time) and a new payload.
    for (let i = 1; i <= 16; i++) {
      const replaced = await replaceSchedule(f.ctx, f.projectId, 'busy', { code_name: 'tick', cron: i % 2 ? '*/1 * * * * *' : '* * * * * *', payload: `v${i}`, name: 'busy' });
      expect(replaced).toMatchObject({ id: s.id, payload: `v${i}`, status: 'scheduled' });
      await sleep(250);
    }
    await sleep(1200);
    await f.stopSchedulers();
    const h = await history(f, s.id);
    expect(h.length).toBeGreaterThanOrEqual(3);
    expect(new Set(h.map((e) => e.at)).size).toBe(h.length);
    expect(h.every((e) => e.outcome === 'queued')).toBe(true);
    const tasks = await tasksOf(f, s.id);
    expect(tasks.map((t) => t.id).sort()).toEqual(h.map((e) => e.task_id).sort());
    expect((await getSchedule(f.ctx, f.projectId, s.id)).run_count).toBe(tasks.length);
    expect(tasks.some((t) => t.payload === 'v16')).toBe(true);
  }, 60_000);
});

describe('the end of a schedule', () => {
  it('completes after run_times tasks, or once end_at has passed, and stops when its code package is deleted', async () => {
    const f = (fleet = await startSchedulerContexts(1));
    await Promise.all(['tick', 'doomed', 'vanishing'].map((name) => f.addCode(name)));
    await f.startScheduler(0);
    const counted = await createSchedule(f.ctx, f.projectId, { code_name: 'tick', cron: '* * * * * *', run_times: 2 });
    const endAt = Math.floor(Date.now() / 1000) * 1000 + 3000;
    const bounded = await createSchedule(f.ctx, f.projectId, { code_name: 'tick', cron: '* * * * * *', end_at: iso(endAt) });
    const doomed = await createSchedule(f.ctx, f.projectId, { code_name: 'doomed', cron: '* * * * * *' });
    const vanishing = await createSchedule(f.ctx, f.projectId, { code_name: 'vanishing', cron: '* * * * * *' });
    await waitFor('the first firings', async () => ((await history(f, vanishing.id)).length >= 1 && (await history(f, doomed.id)).length >= 1 ? true : undefined));

    // Deleted through the service: its schedules stop at once, saying why.
    await deleteCode(f.ctx, f.projectId, 'doomed');
    expect(await getSchedule(f.ctx, f.projectId, doomed.id)).toMatchObject({
      status: 'stopped',
      status_reason: 'its code package "doomed" was deleted; upload it again and resume the schedule, or cancel it',
    });
    // Gone without the service's notice (e.g. removed by hand): the next firing finds out and stops.
    await f.ctx.codes.delete(f.projectId, 'vanishing');
    const stopped = await waitFor('the vanishing schedule to stop', async () => {
      const s = await getSchedule(f.ctx, f.projectId, vanishing.id);
      return s.status === 'stopped' ? s : undefined;
    });
    expect(stopped.status_reason).toContain('"vanishing" was deleted');
    const hVanishing = await history(f, vanishing.id);
    expect(hVanishing[hVanishing.length - 1]).toMatchObject({ outcome: 'skipped', reason: stopped.status_reason });

    await waitFor('both bounded schedules to complete', async () => {
      const [a, b] = await Promise.all([getSchedule(f.ctx, f.projectId, counted.id), getSchedule(f.ctx, f.projectId, bounded.id)]);
      return a.status === 'complete' && b.status === 'complete' ? true : undefined;
    });
    const a = await getSchedule(f.ctx, f.projectId, counted.id);
    expect(a.run_count).toBe(2);
    expect(a.next_start).toBeUndefined();
    expect(outcomes(await history(f, counted.id))).toEqual(['queued', 'queued']);
    const hBounded = await history(f, bounded.id);
    expect(hBounded.length).toBeGreaterThanOrEqual(2);
    expect(Date.parse(hBounded[hBounded.length - 1]!.at)).toBe(endAt);
    expect(await f.ctx.schedules.due(Date.now() + 60_000, 100)).toEqual([]);
  }, 60_000);

  // The claim of a schedule's last occurrence and the record of its outcome are two steps (the task is
  // queued in between, which takes long on a loaded machine). Held between them, the schedule must not
  // read as complete yet: a reader that sees `complete` sees every occurrence in the history.
  it.each([
    ['end_at', (endAt: number) => ({ end_at: iso(endAt) }), (at: number, endAt: number, _n: number) => at === endAt],
    ['run_times', () => ({ run_times: 2 }), (_at: number, _endAt: number, n: number) => n === 2],
  ] as const)('is complete only once the outcome of its last occurrence is recorded (%s)', async (_bound, bound, isLast) => {
    const f = (fleet = await startSchedulerContexts(1));
    await f.addCode('tick');
    const endAt = Math.floor(Date.now() / 1000) * 1000 + 3000;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let claims = 0;
    let held: number | undefined;
    await f.startScheduler(0, {
      hooks: {
        afterClaim: async (_id, firings) => {
          for (const firing of firings) {
            claims += 1;
            if (!isLast(firing.at, endAt, claims)) continue;
            held = firing.at;
            await gate;
          }
        },
      },
    });
    try {
      const s = await createSchedule(f.ctx, f.projectId, { code_name: 'tick', cron: '* * * * * *', ...bound(endAt) });
      const last = await waitFor('the claim of the last occurrence', async () => held);

      const during = await getSchedule(f.ctx, f.projectId, s.id);
      expect((await history(f, s.id)).map((e) => Date.parse(e.at))).not.toContain(last);
      expect((await f.ctx.schedules.pending(s.id)).map((p) => p.at)).toEqual([last]);
      expect(during.status).toBe('scheduled');
      expect(during.next_start).toBeUndefined();
      expect(await f.ctx.schedules.due(Date.now() + 60_000, 100)).toEqual([]);

      release();
      const done = await waitFor('the schedule to complete', async () => {
        const current = await getSchedule(f.ctx, f.projectId, s.id);
        return current.status === 'complete' ? current : undefined;
      });
      const h = await history(f, s.id);
      expect(Date.parse(h[h.length - 1]!.at)).toBe(last);
      expectEverySecondOnce(h);
      expect(outcomes(h).every((o) => o === 'queued')).toBe(true);
      expect(done.run_count).toBe(h.length);
      expect(await f.ctx.schedules.pending(s.id)).toEqual([]);
    } finally {
      release();
    }
  }, 60_000);
});
