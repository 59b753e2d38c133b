/**
 * The scheduler that runs inside every `server` (and `up`) process. It sleeps until the earliest next
 * occurrence in the fleet-wide due set (or until a schedule changes), ticks every due schedule, and
 * completes firings whose scheduler died between claim and enqueue. Any number may run against one
 * Redis: each occurrence fires exactly once (see tick.ts and claim-firings.lua).
 *
 *   const scheduler = new Scheduler(ctx, { lateToleranceMs: 30_000 });
 *   await scheduler.start();  ...  await scheduler.stop();
 *
 * Lifecycle: idle -> running -> stopping -> stopped; stop() is idempotent and waits for the tick in
 * progress. A stop between claim and enqueue is harmless: another server completes the firing once the
 * claim's lease lapses.
 */
import type { AppContext } from '../service/context.ts';
import { completeFiring } from './complete-firing.ts';
import type { SchedulerDeps, SchedulerHooks } from './deps.ts';
import { tickSchedule } from './tick.ts';

export type SchedulerState = 'idle' | 'running' | 'stopping' | 'stopped';

export interface SchedulerOptions {
  /** How late an occurrence may be and still fire as due (ms). */
  lateToleranceMs: number;
  /** How long a claimed firing stays with its scheduler before another may complete it (ms). */
  leaseMs?: number;
  /** The longest sleep, so a lost change notice delays nothing by more than this (ms). */
  maxIdleMs?: number;
  /** Due schedules read per look. */
  batchSize?: number;
  /** Due schedules ticked at once. */
  concurrency?: number;
  /** How long a schedule whose tick failed is left alone by this scheduler (ms). */
  retryDelayMs?: number;
  hooks?: SchedulerHooks;
  now?: () => number;
}

export const DEFAULT_LEASE_MS = 5_000;

export class Scheduler {
  private state: SchedulerState = 'idle';
  private loop: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private wakeSleeper: (() => void) | undefined;
  /** A wake-up that came while no sleep was in progress: the next sleep returns at once. */
  private wakeRequested = false;
  private unsubscribe: (() => void) | undefined;
  private readonly backoff = new Map<string, number>();
  private readonly deps: SchedulerDeps;
  private readonly maxIdleMs: number;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly retryDelayMs: number;

  constructor(private readonly ctx: AppContext, options: SchedulerOptions) {
    this.deps = {
      ctx,
      lateToleranceMs: options.lateToleranceMs,
      leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS,
      now: options.now ?? Date.now,
      hooks: options.hooks ?? {},
    };
    this.maxIdleMs = options.maxIdleMs ?? 1000;
    this.batchSize = options.batchSize ?? 100;
    this.concurrency = options.concurrency ?? 8;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
  }

  get status(): SchedulerState {
    return this.state;
  }

  async start(): Promise<void> {
    if (this.state !== 'idle') return;
    this.unsubscribe = await this.ctx.events.onScheduleChange(() => this.wake());
    this.state = 'running';
    this.loop = this.run();
  }

  /** Ends the loop after the tick in progress. Safe to call more than once. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.state === 'idle') {
        this.state = 'stopped';
        return;
      }
      this.state = 'stopping';
      this.wake();
      await this.loop;
      this.unsubscribe?.();
      this.state = 'stopped';
    })();
    return this.stopping;
  }

  /** Look at the due set now rather than at the planned wake-up. */
  wake(): void {
    if (this.wakeSleeper) this.wakeSleeper();
    else this.wakeRequested = true;
  }

  private async run(): Promise<void> {
    while (this.state === 'running') {
      this.wakeRequested = false;
      let sleepMs: number;
      try {
        sleepMs = await this.once();
      } catch (err) {
        // Redis unreachable or similar: nothing is lost (claims are atomic), so look again shortly.
        this.ctx.logger.error({ err }, 'scheduler pass failed');
        sleepMs = this.retryDelayMs;
      }
      if (this.state !== 'running') break;
      await this.sleep(sleepMs);
    }
  }

  /** One pass: tick what is due, finish what others left, and say how long to sleep. */
  private async once(): Promise<number> {
    const now = this.deps.now();
    for (const [id, until] of this.backoff) if (until <= now) this.backoff.delete(id);
    const due = await this.ctx.schedules.due(now, this.batchSize);
    const ready = shuffle(due.filter((id) => !this.backoff.has(id)));
    await forEachLimited(ready, this.concurrency, (id) => this.tick(id));
    await this.recoverLapsed();
    if (ready.length === this.batchSize) return 0;

    const after = this.deps.now();
    const nextWake = await this.ctx.schedules.nextWake();
    let wakeAt = nextWake ?? after + this.maxIdleMs;
    // A due schedule this scheduler is leaving alone for a while must not make it spin.
    if (wakeAt <= after && ready.length === 0 && due.length > 0) wakeAt = Math.min(...this.backoff.values());
    return Math.max(0, Math.min(wakeAt - after, this.maxIdleMs));
  }

  private async tick(id: string): Promise<void> {
    if (this.state !== 'running') return;
    try {
      await tickSchedule(this.deps, id);
    } catch (err) {
      this.backoff.set(id, this.deps.now() + this.retryDelayMs);
      this.ctx.logger.error({ err, schedule_id: id }, 'schedule tick failed');
    }
  }

  /** Completes firings whose claim lapsed: their scheduler stopped between claim and enqueue. */
  private async recoverLapsed(): Promise<void> {
    const now = this.deps.now();
    for (const { scheduleId, at } of await this.ctx.schedules.lapsedFirings(now, 20)) {
      if (this.state !== 'running') return;
      const firing = await this.ctx.schedules.takeOver(scheduleId, at, now, now + this.deps.leaseMs);
      if (!firing) continue;
      const schedule = await this.ctx.schedules.get(scheduleId);
      if (!schedule) {
        await this.ctx.schedules.completeFiring(scheduleId, at, { at: new Date(at).toISOString(), outcome: 'skipped', reason: 'the schedule was deleted' });
        continue;
      }
      this.ctx.logger.warn({ schedule_id: scheduleId, at: new Date(at).toISOString(), task_id: firing.task_id }, 'completing a firing another scheduler claimed');
      try {
        await completeFiring(this.deps, schedule, firing);
      } catch (err) {
        this.ctx.logger.error({ err, schedule_id: scheduleId }, 'completing a lapsed firing failed; it is retried when its lease lapses');
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.wakeRequested || ms <= 0) {
      this.wakeRequested = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeSleeper = () => {
        this.wakeSleeper = undefined;
        done();
      };
    });
  }
}

async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(lanes);
}

/** Servers that wake together start on different schedules, so they spread the work instead of racing. */
function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}
