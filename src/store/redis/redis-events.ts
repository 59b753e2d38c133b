/**
 * Fleet-wide notices over Redis pub/sub: "cancel this task" (to whichever node runs it), "this task
 * finished" (to anyone waiting on it), "a schedule changed" (to the schedulers) and "there is work in this cluster" (to idle nodes). Pub/sub is fire-and-forget, so every consumer also re-checks the
 * task record; a notice only makes that check happen sooner.
 */
import { reportConnectionErrors } from './connection/connection-errors.ts';
import type { Redis } from 'ioredis';
import type { Keys } from './keys.ts';

type Handler = (taskId: string) => void;

export class RedisEvents {
  private subscriber: Redis | undefined;
  private readonly handlers = new Map<string, Set<Handler>>();

  constructor(private readonly redis: Redis, private readonly keys: Keys) {}

  async publishCancel(taskId: string): Promise<void> {
    await this.redis.publish(this.keys.cancelChannel(), taskId);
  }

  async publishFinished(taskId: string): Promise<void> {
    await this.redis.publish(this.keys.finishedChannel(), taskId);
  }

  /** Tells sleeping schedulers that a schedule was created or changed, so they look again now. */
  async publishScheduleChange(scheduleId: string): Promise<void> {
    await this.redis.publish(this.keys.scheduleChannel(), scheduleId);
  }

  onScheduleChange(handler: Handler): Promise<() => void> {
    return this.on(this.keys.scheduleChannel(), handler);
  }

  onCancel(handler: Handler): Promise<() => void> {
    return this.on(this.keys.cancelChannel(), handler);
  }

  onFinished(handler: Handler): Promise<() => void> {
    return this.on(this.keys.finishedChannel(), handler);
  }

  /** The handler gets the cluster that has new work, or '*' when any may. */
  onWork(handler: Handler): Promise<() => void> {
    return this.on(this.keys.workChannel(), handler);
  }

  private async on(channel: string, handler: Handler): Promise<() => void> {
    if (!this.subscriber) {
      this.subscriber = this.redis.duplicate();
      // The main client reports an outage; this connection's errors are the same outage.
      reportConnectionErrors(this.subscriber, undefined, 'redis subscriber');
      this.subscriber.on('message', (ch: string, message: string) => {
        for (const h of this.handlers.get(ch) ?? []) h(message);
      });
    }
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      await this.subscriber.subscribe(channel);
    }
    set.add(handler);
    return () => set.delete(handler);
  }

  async close(): Promise<void> {
    this.subscriber?.disconnect();
    this.subscriber = undefined;
    this.handlers.clear();
  }
}
