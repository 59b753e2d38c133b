/**
 * ScheduleStore on Redis: a hash per schedule, a per-project index and name index, one fleet-wide due
 * set scored by next occurrence (what schedulers sleep on), the claimed-but-unqueued firings with their
 * leases, and a capped history per schedule. Every write that several servers could race on is one
 * script under ./scripts; claim-firings.lua documents the exactly-once design.
 *
 *   const store = new RedisScheduleStore(redis, keys);
 *   const ids = await store.due(Date.now(), 100);
 */
import type { Redis } from 'ioredis';
import type { ScheduleFiring, ScheduleStatus } from '../../core/model.ts';
import type {
  ClaimResult,
  FiringClaim,
  NewSchedule,
  PendingFiring,
  ScheduleChange,
  ScheduleChangeResult,
  ScheduleRecord,
  ScheduleStore,
} from '../ports.ts';
import type { Keys } from './keys.ts';
import { decodeFiring, decodeSchedule, encodeScheduleFields } from './schedule-codec.ts';
import { runScript } from './scripts.ts';

/** Firings kept per schedule; older ones are dropped as new ones are recorded. */
export const SCHEDULE_HISTORY_CAP = 1000;

export class RedisScheduleStore implements ScheduleStore {
  constructor(private readonly redis: Redis, private readonly keys: Keys, private readonly clock: () => Date = () => new Date()) {}

  async create(input: NewSchedule): Promise<{ created: true; schedule: ScheduleRecord } | { created: false; existingId: string }> {
    const schedule: ScheduleRecord = { ...input, run_count: 0, version: 1, updated_at: input.created_at };
    const reply = (await runScript(
      this.redis,
      'createSchedule',
      [this.keys.schedule(schedule.id), this.keys.schedules(schedule.project_id), this.keys.scheduleNames(schedule.project_id), this.keys.schedulesDue()],
      [
        schedule.id,
        schedule.name ?? '',
        Date.parse(schedule.created_at),
        schedule.status === 'scheduled' && schedule.next_ms !== undefined ? schedule.next_ms : '',
        ...encodeScheduleFields({ ...schedule, created_ms: Date.parse(schedule.created_at) }),
      ],
    )) as [number, string?];
    if (reply[0] === 1) return { created: true, schedule };
    if (reply[0] === 0) return { created: false, existingId: reply[1] ?? '' };
    throw new Error(`Schedule id ${schedule.id} is already taken`);
  }

  async get(id: string): Promise<ScheduleRecord | undefined> {
    return decodeSchedule(await this.redis.hgetall(this.keys.schedule(id)));
  }

  async byName(projectId: string, name: string): Promise<ScheduleRecord | undefined> {
    const id = await this.redis.hget(this.keys.scheduleNames(projectId), name);
    return id ? this.get(id) : undefined;
  }

  async list(projectId: string, query: { limit: number; before?: number }): Promise<ScheduleRecord[]> {
    const max = query.before !== undefined ? `(${query.before}` : '+inf';
    const ids = await this.redis.zrevrangebyscore(this.keys.schedules(projectId), max, '-inf', 'LIMIT', 0, query.limit);
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.schedule(id));
    const rows = (await pipeline.exec()) ?? [];
    const out: ScheduleRecord[] = [];
    for (const [, hash] of rows) {
      const record = decodeSchedule(hash as Record<string, string>);
      if (record) out.push(record);
    }
    return out;
  }

  async change(id: string, change: ScheduleChange): Promise<ScheduleChangeResult> {
    const projectId = await this.redis.hget(this.keys.schedule(id), 'project_id');
    if (!projectId) return { applied: false, current: undefined };
    const due = change.due === undefined ? '' : change.due === null ? '-' : String(change.due.getTime());
    const reply = (await runScript(
      this.redis,
      'changeSchedule',
      [this.keys.schedule(id), this.keys.schedulesDue(), this.keys.scheduleNames(projectId), this.keys.schedulePending(id)],
      [
        change.from.join(','),
        change.to ?? '',
        due,
        change.releaseName ? '1' : '0',
        this.clock().toISOString(),
        change.version ?? '',
        ...encodeScheduleFields(change.set ?? {}),
      ],
    )) as [number, string?, number?];
    if (reply[0] === 1) return { applied: true, previous: reply[1] as ScheduleStatus, version: Number(reply[2]) };
    if (reply[0] === -2) return { applied: false, current: reply[1] as ScheduleStatus, stale: true };
    return { applied: false, current: reply[0] === 0 ? (reply[1] as ScheduleStatus) : undefined };
  }

  async delete(id: string): Promise<boolean> {
    const projectId = await this.redis.hget(this.keys.schedule(id), 'project_id');
    if (!projectId) return false;
    const deleted = await runScript(
      this.redis,
      'deleteSchedule',
      [
        this.keys.schedule(id),
        this.keys.schedules(projectId),
        this.keys.scheduleNames(projectId),
        this.keys.schedulesDue(),
        this.keys.schedulePending(id),
        this.keys.schedulePendingAll(),
        this.keys.scheduleHistory(id),
      ],
      [id],
    );
    return deleted === 1;
  }

  async history(id: string, limit: number): Promise<ScheduleFiring[]> {
    const newest = await this.redis.zrevrange(this.keys.scheduleHistory(id), 0, Math.max(0, limit - 1));
    const out: ScheduleFiring[] = [];
    for (const json of newest.reverse()) {
      const firing = decodeFiring(json);
      if (firing) out.push(firing);
    }
    return out;
  }

  async due(nowMs: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.schedulesDue(), '-inf', nowMs, 'LIMIT', 0, limit);
  }

  async nextWake(): Promise<number | undefined> {
    const [due, lease] = await Promise.all([
      this.redis.zrange(this.keys.schedulesDue(), 0, 0, 'WITHSCORES'),
      this.redis.zrange(this.keys.schedulePendingAll(), 0, 0, 'WITHSCORES'),
    ]);
    const scores = [due[1], lease[1]].filter((s): s is string => s !== undefined).map(Number);
    return scores.length ? Math.min(...scores) : undefined;
  }

  async settleDue(id: string, expected?: { version: number; nextMs: number }): Promise<void> {
    await runScript(
      this.redis,
      'settleDue',
      [this.keys.schedule(id), this.keys.schedulesDue()],
      [id, expected ? expected.version : '', expected ? expected.nextMs : ''],
    );
  }

  async claim(schedule: Pick<ScheduleRecord, 'id' | 'project_id' | 'code_name'>, claim: FiringClaim): Promise<ClaimResult> {
    const id = schedule.id;
    const args: (string | number)[] = [
      claim.version,
      claim.lastHandled ? claim.lastHandled.getTime() : '',
      claim.lastHandled ? claim.lastHandled.toISOString() : '',
      claim.next ? claim.next.getTime() : '',
      claim.next ? claim.next.toISOString() : '',
      claim.lastTaskId ?? '',
      claim.leaseUntil,
      SCHEDULE_HISTORY_CAP,
      claim.now.toISOString(),
      claim.codeMissingReason,
      claim.fire.length,
    ];
    for (const firing of claim.fire) {
      const skipped: ScheduleFiring = { at: new Date(firing.at).toISOString(), outcome: 'skipped', reason: claim.codeMissingReason };
      args.push(firing.at, JSON.stringify(firing), JSON.stringify(skipped));
    }
    for (const entry of claim.record) args.push(Date.parse(entry.at), JSON.stringify(entry));
    const reply = await runScript(
      this.redis,
      'claimFirings',
      [
        this.keys.schedule(id),
        this.keys.schedulesDue(),
        this.keys.schedulePending(id),
        this.keys.schedulePendingAll(),
        this.keys.scheduleHistory(id),
        this.keys.code(schedule.project_id, schedule.code_name),
      ],
      args,
    );
    switch (Number(reply)) {
      case 1: return 'claimed';
      case 2: return 'code-missing';
      case 0: return 'conflict';
      default: return 'missing';
    }
  }

  async pending(id: string): Promise<PendingFiring[]> {
    const hash = await this.redis.hgetall(this.keys.schedulePending(id));
    return Object.values(hash)
      .map((json) => JSON.parse(json) as PendingFiring)
      .sort((a, b) => a.at - b.at);
  }

  async completeFiring(id: string, at: number, entry: ScheduleFiring, queuedAt?: string): Promise<boolean> {
    const done = await runScript(
      this.redis,
      'completeFiring',
      [this.keys.schedulePending(id), this.keys.schedulePendingAll(), this.keys.scheduleHistory(id), this.keys.schedule(id)],
      [at, `${id}:${at}`, JSON.stringify(entry), SCHEDULE_HISTORY_CAP, queuedAt ?? '', this.clock().toISOString()],
    );
    return done === 1;
  }

  async lapsedFirings(nowMs: number, limit: number): Promise<{ scheduleId: string; at: number }[]> {
    const members = await this.redis.zrangebyscore(this.keys.schedulePendingAll(), '-inf', nowMs, 'LIMIT', 0, limit);
    return members.map((member) => {
      const colon = member.lastIndexOf(':');
      return { scheduleId: member.slice(0, colon), at: Number(member.slice(colon + 1)) };
    });
  }

  async takeOver(scheduleId: string, at: number, nowMs: number, leaseUntil: number): Promise<PendingFiring | undefined> {
    const json = await runScript(
      this.redis,
      'takeOverFiring',
      [this.keys.schedulePendingAll(), this.keys.schedulePending(scheduleId)],
      [`${scheduleId}:${at}`, at, nowMs, leaseUntil],
    );
    return typeof json === 'string' ? (JSON.parse(json) as PendingFiring) : undefined;
  }
}
