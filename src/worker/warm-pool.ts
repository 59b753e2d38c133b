/**
 * A node's pool of warm, single-use containers (docs/architecture.md "Warm, single-use containers"):
 * containers of the classes its recent tasks used, created with the same isolation as a cold one
 * (the runtime checks every limit on the created container), attached and started, each blocked
 * reading its stdin. `take` hands one out for a task whose class matches, or nothing; it never waits.
 * A container is handed out once and removed by the attempt that ran it. In the background the pool
 * refills after each hand-off, grows for classes in demand and shrinks idle ones to zero
 * (`warm-policy.ts` decides); `close` stops that and removes what it still holds.
 *
 * Warm containers count against neither the node's slots nor its declared memory: they run no task,
 * only a shell and tar blocked on a read (about a megabyte each), and at most `max` of them exist.
 * A handed one takes its task's slot and memory like a cold one.
 *
 *   const pool = new WarmPool({ runtime, nodeId, logger, limits: { max: 4, idleMs: 60_000, windowMs: 10_000 } });
 *   pool.start();
 *   const warm = pool.take(spec);               // a WarmContainer, or undefined: run cold
 *   ... runAttempt(runtime, { spec, warm, startScript: startScript(spec), ... }); pool.release(warm);
 *   await pool.close();
 */
import type { ContainerRuntime, ContainerSpec } from '../runtime/port.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { WarmContainer } from './task-runner.ts';
import { demandHorizonMs, planWarm, type WarmLimits } from './warm-policy.ts';
import { warmClassKey, warmContainerSpec } from './warm-spec.ts';

export interface WarmPoolDeps {
  runtime: ContainerRuntime;
  nodeId: string;
  logger: Logger;
  limits: WarmLimits;
  now?: () => number;
}

interface WarmClass {
  /** A task spec of the class: warm containers are made from it (its task's parts are left out). */
  template: ContainerSpec;
  ready: { name: string; container: WarmContainer }[];
  starting: number;
  demandAt: number[];
  /** After a failed start, the class is not started again before this time. */
  pausedUntil: number;
}

/** How long a class whose container failed to start waits before the pool tries again. */
const START_FAILURE_PAUSE_MS = 30_000;

export class WarmPool {
  private readonly classes = new Map<string, WarmClass>();
  /** Names of every container the pool made that may still exist and run no attempt of its own. */
  private readonly held = new Set<string>();
  private readonly handedNames = new Map<WarmContainer, string>();
  private closed = false;
  private adjusting: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: WarmPoolDeps) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  get enabled(): boolean {
    return this.deps.limits.max > 0 && !this.closed;
  }

  /** Looks again now and then, so idle classes shrink even when no task comes. */
  start(): void {
    if (this.deps.limits.max <= 0) return;
    const every = Math.max(250, Math.min(5_000, Math.floor(this.deps.limits.idleMs / 4)));
    this.timer = setInterval(() => this.kick(), every);
    this.timer.unref();
  }

  /**
   * A started container for this task spec's class, now, or undefined. Either way the demand is
   * noted, so the class is warm for the next task.
   */
  take(spec: ContainerSpec): WarmContainer | undefined {
    if (!this.enabled) return undefined;
    const key = warmClassKey(spec);
    let entry = this.classes.get(key);
    if (!entry) {
      entry = { template: spec, ready: [], starting: 0, demandAt: [], pausedUntil: 0 };
      this.classes.set(key, entry);
    }
    entry.demandAt.push(this.now());
    // Only as many recent demands as the pool could ever want matter.
    if (entry.demandAt.length > this.deps.limits.max) entry.demandAt.splice(0, entry.demandAt.length - this.deps.limits.max);
    const member = entry.ready.shift();
    if (member) this.handedNames.set(member.container, member.name);
    this.kick();
    return member?.container;
  }

  /** The attempt that ran a handed container has removed it. */
  release(container: WarmContainer): void {
    const name = this.handedNames.get(container);
    if (name === undefined) return;
    this.handedNames.delete(container);
    this.held.delete(name);
  }

  /** Names of the containers the pool holds or has handed to an attempt still running (for the reconciler). */
  names(): Set<string> {
    return new Set(this.held);
  }

  /** How many containers are ready per class key (for tests and the node's report). */
  readyCounts(): Map<string, number> {
    return new Map([...this.classes].map(([key, c]) => [key, c.ready.length]));
  }

  /** Stops refilling and removes every container not handed out; safe to call more than once. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.adjusting;
    const idle = [...this.classes.values()].flatMap((c) => c.ready.splice(0));
    await Promise.all(idle.map((m) => this.discard(m.name, m.container)));
  }

  /** Runs an adjustment soon; calls during one make it run once more after. */
  private kick(): void {
    if (this.closed) return;
    if (this.adjusting) {
      this.again = true;
      return;
    }
    this.adjusting = (async () => {
      do {
        this.again = false;
        await this.adjust().catch((err: unknown) => this.deps.logger.warn({ err, node_id: this.deps.nodeId }, 'warm pool adjustment failed'));
      } while (this.again && !this.closed);
    })().finally(() => {
      this.adjusting = undefined;
    });
  }

  private async adjust(): Promise<void> {
    const now = this.now();
    const horizon = demandHorizonMs(this.deps.limits);
    const views = [...this.classes].map(([key, c]) => ({ key, ready: c.ready.length, starting: c.starting, demandAt: c.demandAt }));
    const work: Promise<void>[] = [];
    for (const step of planWarm(views, this.deps.limits, now)) {
      const entry = this.classes.get(step.key)!;
      for (const member of entry.ready.splice(0, step.retire)) work.push(this.discard(member.name, member.container));
      if (now < entry.pausedUntil) continue;
      for (let i = 0; i < step.start; i++) work.push(this.startOne(step.key, entry));
    }
    await Promise.all(work);
    // A class with nothing left and no demand in sight is forgotten.
    for (const [key, c] of this.classes) {
      if (c.ready.length === 0 && c.starting === 0 && c.demandAt.every((at) => now - at > horizon)) this.classes.delete(key);
    }
  }

  private async startOne(key: string, entry: WarmClass): Promise<void> {
    const spec = warmContainerSpec(entry.template, this.deps.nodeId);
    entry.starting += 1;
    this.held.add(spec.name);
    let container: WarmContainer | undefined;
    try {
      // create checks every limit on the created container, exactly as for a cold one.
      const handle = await this.deps.runtime.create(spec);
      try {
        const { input, output } = await handle.attach();
        input.on('error', () => undefined);
        await handle.start();
        container = { handle, input, output };
      } catch (err) {
        await handle.remove().catch(() => undefined);
        throw err;
      }
    } catch (err) {
      this.held.delete(spec.name);
      entry.pausedUntil = this.now() + START_FAILURE_PAUSE_MS;
      this.deps.logger.warn({ err, node_id: this.deps.nodeId, warm_class: key, image: spec.image }, 'could not start a warm container; tasks of its class run cold meanwhile');
      return;
    } finally {
      entry.starting -= 1;
    }
    if (this.closed) {
      await this.discard(spec.name, container);
      return;
    }
    entry.ready.push({ name: spec.name, container });
    this.watchExit(key, spec.name, container);
  }

  /** A warm container that exits before it is handed out (killed by the watchdog, say) leaves the pool. */
  private watchExit(key: string, name: string, container: WarmContainer): void {
    container.handle.wait().then(
      () => {
        const entry = this.classes.get(key);
        const index = entry?.ready.findIndex((m) => m.container === container) ?? -1;
        if (index < 0) return;
        entry!.ready.splice(index, 1);
        void this.discard(name, container);
      },
      () => undefined,
    );
  }

  private async discard(name: string, container: WarmContainer): Promise<void> {
    try {
      await container.handle.remove();
      this.held.delete(name);
    } catch (err) {
      // Left in `held` would keep it from the reconciler for good; it removes what the pool could not.
      this.held.delete(name);
      this.deps.logger.warn({ err, node_id: this.deps.nodeId, container: name }, 'could not remove a warm container; the reconciler will');
    }
  }
}
