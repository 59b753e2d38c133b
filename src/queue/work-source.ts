/**
 * The consumer side of the dispatch queue, for one worker node: see what is ready, claim a task (the
 * one atomic step that also takes the code package's fleet-wide lease), and record how an attempt
 * ended (finish, or queue again) with the node's fence. Also the fleet's self-healing steps that any
 * node runs: promote delayed tasks, take back a lost node's tasks, return parked tasks.
 *
 *   const source = new WorkSource(redis, keys, 'node-a', 10_000);
 *   const [first] = await source.peek(await source.readySets(['default'], labels), 16);
 *   const claim = await source.claim(first);
 */
import type { Redis } from 'ioredis';
import { constraintSignature, parseSignature, satisfies, type Labels } from '../core/fleet/constraints.ts';
import { LIMITS } from '../core/limits.ts';
import type { TaskAttempt } from '../core/model.ts';
import { ATTEMPT_STATUSES, type FinishedStatus, type TaskStatus } from '../core/task-status.ts';
import type { TaskPatch } from '../store/ports.ts';
import type { Keys } from '../store/redis/keys.ts';
import { runScript } from '../store/redis/scripts.ts';
import { encodeTaskFields } from '../store/redis/task-codec.ts';

export interface ReadySet {
  cluster: string;
  signature: string;
  constraints: Labels;
  key: string;
}

/** A ready task as a node sees it before claiming. */
export interface Candidate {
  taskId: string;
  cluster: string;
  constraints: Labels;
  readyKey: string;
  /** Position in the queue: lower runs first (priority, then arrival). */
  rank: number;
  memoryMb: number;
  projectId: string;
  codeName: string;
}

/** One attempt this node holds, with what its scripts need to settle it. */
export interface HeldAttempt {
  taskId: string;
  attempt: number;
  projectId: string;
  codeName: string;
  cluster: string;
  constraints: Labels;
  memoryMb: number;
  /** W3C trace context of the enqueue, so the attempt's spans join the task's trace. */
  trace?: Record<string, string>;
}

export type ClaimRefusal = 'gone' | 'stale' | 'paused' | 'limit' | 'behind';

export type ClaimResult = { claimed: true; held: HeldAttempt } | { claimed: false; reason: ClaimRefusal };

export interface SettleResult {
  /** The status change applied. */
  applied: boolean;
  /** The task is no longer this node's attempt: nothing of it changed. */
  fenced: boolean;
  /** The status the task was in (when not fenced). */
  previous?: TaskStatus;
  /** Parked tasks of the package that went back to the queue. */
  unparked: number;
}

export interface RequeueOptions {
  delayMs: number;
  /** Back to the front of the queue (drained, revoked) rather than the back (a retry). */
  keepRank: boolean;
  history: TaskAttempt;
  msg: string;
}

export class WorkSource {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    readonly nodeId: string,
    private readonly leaseTtlMs: number,
  ) {}

  /** Moves tasks whose delay has passed into their ready sets. */
  async promoteDue(clusters: readonly string[]): Promise<number> {
    let moved = 0;
    for (const cluster of clusters) {
      moved += Number(await runScript(this.redis, 'promoteDelayed', [this.keys.queueDelayed(cluster)], [this.keys.prefix, 500]));
    }
    return moved;
  }

  /** The ready sets of these clusters whose constraints a node with `labels` satisfies. */
  async readySets(clusters: readonly string[], labels: Labels): Promise<ReadySet[]> {
    const sets: ReadySet[] = [];
    for (const cluster of clusters) {
      for (const signature of await this.redis.smembers(this.keys.queueSignatures(cluster))) {
        const constraints = parseSignature(signature);
        if (satisfies(labels, constraints)) sets.push({ cluster, signature, constraints, key: this.keys.queueReady(cluster, signature) });
      }
    }
    return sets;
  }

  /** The first `perSet` tasks of each ready set, merged into one list in queue order. */
  async peek(sets: readonly ReadySet[], perSet: number): Promise<Candidate[]> {
    if (sets.length === 0) return [];
    const heads = await Promise.all(sets.map((set) => this.redis.zrange(set.key, 0, perSet - 1, 'WITHSCORES')));
    const found: { set: ReadySet; taskId: string; rank: number }[] = [];
    heads.forEach((flat, i) => {
      for (let j = 0; j < flat.length; j += 2) found.push({ set: sets[i]!, taskId: flat[j]!, rank: Number(flat[j + 1]) });
    });
    const pipeline = this.redis.pipeline();
    for (const { taskId } of found) pipeline.hmget(this.keys.task(taskId), 'project_id', 'code_name', 'memory');
    const rows = (await pipeline.exec()) ?? [];
    const candidates: Candidate[] = [];
    found.forEach(({ set, taskId, rank }, i) => {
      const [projectId, codeName, memory] = (rows[i]?.[1] ?? []) as (string | null)[];
      if (!projectId || !codeName) return;
      candidates.push({
        taskId,
        cluster: set.cluster,
        constraints: set.constraints,
        readyKey: set.key,
        rank,
        memoryMb: memory ? Number(memory) : LIMITS.memoryDefaultMb,
        projectId,
        codeName,
      });
    });
    return candidates.sort((a, b) => a.rank - b.rank);
  }

  /** Claims a ready task for this node (queued -> preparing), within its package's limit. */
  async claim(candidate: Candidate): Promise<ClaimResult> {
    const reply = (await runScript(
      this.redis,
      'claimTask',
      [
        this.keys.task(candidate.taskId),
        candidate.readyKey,
        this.keys.code(candidate.projectId, candidate.codeName),
        this.keys.node(this.nodeId),
        this.keys.nodeTasks(this.nodeId),
      ],
      [candidate.taskId, this.nodeId, this.leaseTtlMs, new Date().toISOString(), this.keys.prefix],
    )) as [number, string | number, number?, string?];
    if (reply[0] !== 1) return { claimed: false, reason: reply[1] as ClaimRefusal };
    const trace = reply[3] ? (JSON.parse(reply[3]) as Record<string, string>) : undefined;
    return {
      claimed: true,
      held: {
        taskId: candidate.taskId,
        attempt: Number(reply[1]),
        projectId: candidate.projectId,
        codeName: candidate.codeName,
        cluster: candidate.cluster,
        constraints: candidate.constraints,
        memoryMb: Number(reply[2] ?? candidate.memoryMb),
        ...(trace ? { trace } : {}),
      },
    };
  }

  /** preparing -> running, once the container started. False when the attempt is no longer this node's. */
  async markRunning(held: HeldAttempt, startTime: string): Promise<boolean> {
    const result = await this.settle('running', held, { allowed: ['preparing'], to: 'running', patch: { start_time: startTime } });
    return result.applied;
  }

  /** Records how the attempt ended and releases its lease. */
  async finish(held: HeldAttempt, status: FinishedStatus, patch: TaskPatch, history: TaskAttempt): Promise<SettleResult> {
    return this.settle('finish', held, { allowed: ATTEMPT_STATUSES, to: status, patch, history });
  }

  /** Puts the task back in the queue after this attempt (retry, drain, revoked lease) and releases its lease. */
  async requeue(held: HeldAttempt, options: RequeueOptions): Promise<SettleResult> {
    return this.settle('requeue', held, {
      allowed: ATTEMPT_STATUSES,
      to: 'queued',
      patch: { msg: options.msg },
      history: options.history,
      delayMs: options.delayMs,
      keepRank: options.keepRank,
    });
  }

  private async settle(
    mode: 'running' | 'finish' | 'requeue',
    held: HeldAttempt,
    change: { allowed: readonly TaskStatus[]; to: TaskStatus; patch: TaskPatch; history?: TaskAttempt; delayMs?: number; keepRank?: boolean },
  ): Promise<SettleResult> {
    const reply = (await runScript(
      this.redis,
      'settleAttempt',
      [
        this.keys.task(held.taskId),
        ...this.keys.allStatusIndexes(held.projectId),
        this.keys.node(this.nodeId),
        this.keys.nodeTasks(this.nodeId),
        this.keys.code(held.projectId, held.codeName),
        this.keys.queueReady(held.cluster, constraintSignature(held.constraints)),
        this.keys.queueDelayed(held.cluster),
        this.keys.queueSeq(),
      ],
      [
        mode,
        held.taskId,
        this.nodeId,
        held.attempt,
        change.allowed.join(','),
        change.to,
        new Date().toISOString(),
        change.history ? JSON.stringify(change.history) : '',
        Math.max(0, Math.round(change.delayMs ?? 0)),
        change.keepRank ? '1' : '0',
        held.memoryMb,
        this.keys.prefix,
        ...encodeTaskFields(change.patch),
      ],
    )) as [number, string, number?];
    const unparked = Number(reply[2] ?? 0);
    if (unparked > 0 || (mode === 'requeue' && reply[0] === 1)) await this.redis.publish(this.keys.workChannel(), held.cluster);
    if (reply[0] === -1) return { applied: false, fenced: true, unparked: 0 };
    return { applied: reply[0] === 1, fenced: false, previous: reply[1] as TaskStatus, unparked };
  }

  /**
   * Takes back tasks a node holds as new attempts: a lost node's tasks whose leases lapsed, or (force,
   * only for the node itself) tasks it holds but runs nothing for. Returns the ids queued again.
   */
  async recover(nodeId: string, options: { force: boolean; taskIds?: readonly string[]; ending: 'lost' | 'revoked'; msg: string }): Promise<string[]> {
    const ids = (await runScript(
      this.redis,
      'recoverNode',
      [this.keys.nodeTasks(nodeId)],
      [this.keys.prefix, nodeId, options.force ? '1' : '0', new Date().toISOString(), options.ending, options.msg, ...(options.taskIds ?? [])],
    )) as string[];
    if (ids.length > 0) await this.redis.publish(this.keys.workChannel(), '*');
    return ids;
  }

  /** Ids of the tasks a node holds (claimed and not yet settled). */
  async heldTaskIds(nodeId: string): Promise<string[]> {
    return this.redis.hkeys(this.keys.nodeTasks(nodeId));
  }

  /** Returns parked tasks of every package that has room again (leases of lost nodes lapse unreleased). */
  async sweepParked(budgetPerCode: number): Promise<number> {
    let moved = 0;
    for (const codeKey of await this.redis.smembers(this.keys.parkedCodes())) {
      moved += Number(await runScript(this.redis, 'unparkCode', [codeKey], [this.keys.prefix, budgetPerCode]));
    }
    if (moved > 0) await this.redis.publish(this.keys.workChannel(), '*');
    return moved;
  }
}
