/**
 * The store ports the use cases (service/), the API and the scheduler depend on. Redis adapters
 * implement them; tests of policy code can implement them in memory. Redis key names are built in one
 * file (store/redis/keys.ts); besides the adapters here, the dispatch queue (queue/) and the span
 * store (telemetry/span-store.ts) use those keys and scripts directly, being Redis structures
 * themselves.
 */
import type { ReportedNodeState } from '../core/fleet/node-state.ts';
import type { CodeRevision, FleetNode, Project, Schedule, ScheduleFiring, ScheduleStatus, Task } from '../core/model.ts';
import type { FinishedStatus, TaskStatus } from '../core/task-status.ts';
import type { OutputStream } from '../runtime/port.ts';

export type NewTask = Omit<Task, 'status' | 'attempts' | 'updated_at'>;

/** Fields to set; `null` removes a field (e.g. the previous attempt's message). */
export type TaskPatch = { [K in keyof Omit<Task, 'id' | 'project_id' | 'status' | 'attempts'>]?: Task[K] | null };

export type TransitionResult =
  | { applied: true; previous: TaskStatus; attempts: number }
  | { applied: false; current: TaskStatus | undefined };

export interface TaskListQuery {
  /** Any of these statuses (OR); none means every status. */
  status?: TaskStatus[];
  codeName?: string;
  cluster?: string;
  label?: string;
  limit: number;
  /** Matches to skip before the first one returned (page * per_page). */
  offset?: number;
  /**
   * Newest first; `before` pages backwards by creation time (ms): tasks created strictly earlier.
   * Tasks of one batch share their creation ms, so a page that ends inside a batch needs `beforeId`.
   */
  before?: number;
  /**
   * The cursor of the next page: the last task seen (its id and creation ms). Tasks come newest first,
   * ties of one ms by id descending, and a page continues strictly after the cursor, so paging never
   * skips nor repeats a task, however many share a creation ms. Takes the place of `before`.
   */
  after?: { id: string; createdMs: number };
  /** Creation time window in ms, both ends inclusive. */
  from?: number;
  to?: number;
}

export interface TaskCountQuery {
  codeName?: string;
  /** Creation time window in ms, both ends inclusive. */
  from?: number;
  to?: number;
}

export interface TaskStore {
  get(id: string): Promise<Task | undefined>;
  list(projectId: string, query: TaskListQuery): Promise<Task[]>;
  /**
   * An atomic status change (or a change of fields within a status, `to` equal to the current one),
   * applied only when the task is in one of `from` and the lifecycle table (core/task-status.ts)
   * allows it. The dispatch queue's claim, settle and recovery make the attempt's own changes.
   */
  transition(id: string, from: readonly TaskStatus[], to: TaskStatus, patch: TaskPatch, options?: { countAttempt?: boolean }): Promise<TransitionResult>;
  /** Updates fields that are not the status (progress, msg) on a task that has not finished. */
  update(id: string, patch: TaskPatch): Promise<boolean>;
  /** Tasks per status in a project, optionally of one code package and created within a window. */
  countByStatus(projectId: string, query?: TaskCountQuery): Promise<Record<TaskStatus, number>>;
}

export interface CodeRegistry {
  addRevision(revision: Omit<CodeRevision, 'rev' | 'id' | 'created_at'> & { id?: string }): Promise<CodeRevision>;
  current(projectId: string, name: string): Promise<CodeRevision | undefined>;
  revision(projectId: string, name: string, rev: number): Promise<CodeRevision | undefined>;
  revisions(projectId: string, name: string): Promise<CodeRevision[]>;
  list(projectId: string): Promise<CodeRevision[]>;
  byId(id: string): Promise<CodeRevision | undefined>;
  delete(projectId: string, name: string): Promise<boolean>;
  setPaused(projectId: string, name: string, paused: boolean): Promise<boolean>;
  isPaused(projectId: string, name: string): Promise<boolean>;
  /** The image ids recorded by any revision of any package (images that must not be deleted). */
  imageIds(): Promise<Set<string>>;
  /** The custom images (as named) any revision of any package runs (their derived images must stay). */
  customImages(): Promise<Set<string>>;
  /** The code store digests any revision references (the archive its tasks run, a build's source). */
  archiveDigests(): Promise<Set<string>>;
}

/** What a token opens: its project, and whether it may only read. */
export interface TokenGrant {
  project: Project;
  readOnly: boolean;
}

export interface ProjectStore {
  create(name: string, options?: { id?: string; token?: string }): Promise<{ project: Project; token: string }>;
  get(id: string): Promise<Project | undefined>;
  byToken(token: string): Promise<Project | undefined>;
  grantOf(token: string): Promise<TokenGrant | undefined>;
  /** Another token for the project (read-only, or expiring after ttlSeconds); returned once. */
  addToken(projectId: string, options: { readOnly: boolean; ttlSeconds?: number }): Promise<string>;
  /** A one-time code that redeemSignInCode exchanges, once, within ttlSeconds. */
  createSignInCode(grant: { projectId: string; readOnly: boolean }, ttlSeconds: number): Promise<string>;
  redeemSignInCode(code: string): Promise<{ projectId: string; readOnly: boolean } | undefined>;
  list(): Promise<Project[]>;
}

export interface LogEntry {
  stream: OutputStream | 'system';
  data: string;
  /** Opaque position for following; pass back to read what came after. */
  cursor: string;
}

export interface LogFollower {
  next(after: string, blockMs: number): Promise<LogEntry[]>;
  close(): void;
}

export interface LogStore {
  append(taskId: string, entries: { stream: LogEntry['stream']; data: Buffer | string }[]): Promise<void>;
  read(taskId: string, after?: string, limit?: number): Promise<LogEntry[]>;
  /** Waits up to `blockMs` for entries after `cursor`. */
  follow(taskId: string, after: string, blockMs: number): Promise<LogEntry[]>;
  /** A follower holding one connection for a whole follow session; close it when done. */
  follower(taskId: string): LogFollower;
  text(taskId: string): Promise<string>;
  expire(taskId: string, seconds: number): Promise<void>;
}

/** A schedule as stored: the API's view plus what the scheduler needs to claim firings safely. */
export interface ScheduleRecord extends Schedule {
  /** Bumped by every claim and change; a claim names the version its plan was made from. */
  version: number;
  /** last_handled to the millisecond (every-N occurrences need not fall on whole seconds). */
  last_handled_ms?: number;
  next_ms?: number;
  /** True when the user gave start_at; false when start_at is the every-N anchor Dockhand chose. */
  start_declared: boolean;
  /** The status a schedule was resumed from (`paused` or `stopped`), for the reason of missed firings. */
  resumed_from?: ScheduleStatus;
}

export type NewSchedule = Omit<ScheduleRecord, 'version' | 'updated_at' | 'run_count'>;

/** Fields a change may set; `null` removes a field. */
export type SchedulePatch = {
  [K in keyof Omit<ScheduleRecord, 'id' | 'project_id' | 'status' | 'version' | 'run_count'>]?: ScheduleRecord[K] | null;
};

/** A claimed firing whose task is not queued yet. The task id is decided when it is claimed. */
export interface PendingFiring {
  /** The occurrence, ms. */
  at: number;
  task_id: string;
  /** cancel-previous: the task to cancel before queueing this one. */
  cancel_task_id?: string;
}

export interface FiringClaim {
  /** The schedule version the plan was made from. */
  version: number;
  lastHandled?: Date;
  /**
   * The next occurrence; null ends the schedule: it is `complete` once no firing of it is pending, and
   * until then stays `scheduled` (not due), completing when completeFiring records the last one.
   */
  next: Date | null;
  /** The task of the last firing in `fire`, when there is one. */
  lastTaskId?: string;
  fire: PendingFiring[];
  /** Occurrences handled without a task (missed, skipped by the overlap policy), recorded now. */
  record: ScheduleFiring[];
  /** The status reason if the code package turns out to be gone (the schedule then stops). */
  codeMissingReason: string;
  /** When the claimed firings' lease lapses and another server may complete them (ms). */
  leaseUntil: number;
  now: Date;
}

/** `claimed`; `code-missing`: the schedule stopped instead; `conflict`: its version or status changed. */
export type ClaimResult = 'claimed' | 'code-missing' | 'conflict' | 'missing';

export interface ScheduleChange {
  /** The statuses the schedule may be in for this change. */
  from: readonly ScheduleStatus[];
  to?: ScheduleStatus;
  set?: SchedulePatch;
  /** A Date places the schedule in the due set at that instant; null removes it; undefined leaves it. */
  due?: Date | null;
  /** Frees the schedule's name for reuse (on cancel). */
  releaseName?: boolean;
  /** Apply only at this version (the change was computed from it; e.g. a new last_handled). */
  version?: number;
}

export type ScheduleChangeResult =
  | { applied: true; previous: ScheduleStatus; version: number }
  | { applied: false; current: ScheduleStatus | undefined; stale?: true };

export interface ScheduleStore {
  /** Creates the record; refuses (created: false) when the project already has a schedule of that name. */
  create(record: NewSchedule): Promise<{ created: true; schedule: ScheduleRecord } | { created: false; existingId: string }>;
  get(id: string): Promise<ScheduleRecord | undefined>;
  byName(projectId: string, name: string): Promise<ScheduleRecord | undefined>;
  /** Newest first. */
  list(projectId: string, query: { limit: number; before?: number }): Promise<ScheduleRecord[]>;
  /**
   * The one way a schedule changes outside a firing; atomic, and bumps the version. A change to
   * `complete` waits, like a claim with no next occurrence, for the schedule's pending firings.
   */
  change(id: string, change: ScheduleChange): Promise<ScheduleChangeResult>;
  delete(id: string): Promise<boolean>;
  /** The newest `limit` firings, oldest first. */
  history(id: string, limit: number): Promise<ScheduleFiring[]>;

  /** Ids of scheduled schedules whose next occurrence is at or before `nowMs`. */
  due(nowMs: number, limit: number): Promise<string[]>;
  /** The earliest instant (ms) a scheduler has work: a next occurrence or a lapsing lease. */
  nextWake(): Promise<number | undefined>;
  /**
   * Brings the due set in line with a tick that found nothing to claim: drops a schedule that is not
   * scheduled; with `expected`, places one still at that version at its next occurrence.
   */
  settleDue(id: string, expected?: { version: number; nextMs: number }): Promise<void>;
  /** The exactly-once step: see claim-firings.lua. */
  claim(schedule: Pick<ScheduleRecord, 'id' | 'project_id' | 'code_name'>, claim: FiringClaim): Promise<ClaimResult>;
  pending(id: string): Promise<PendingFiring[]>;
  /**
   * Records a claimed firing's outcome; true only for the first caller. Recording the last pending
   * firing of a schedule that has no occurrence left completes the schedule in the same step.
   */
  completeFiring(id: string, at: number, entry: ScheduleFiring, queuedAt?: string): Promise<boolean>;
  /** Claimed firings whose lease lapsed at or before `nowMs`. */
  lapsedFirings(nowMs: number, limit: number): Promise<{ scheduleId: string; at: number }[]>;
  /** Takes a lapsed firing over until `leaseUntil`; undefined when someone else holds it or it is done. */
  takeOver(scheduleId: string, at: number, nowMs: number, leaseUntil: number): Promise<PendingFiring | undefined>;
}

export type { FinishedStatus };

/** What a worker node reports about itself with every heartbeat. */
export type NodeReport = Omit<FleetNode, 'state' | 'last_seen'> & { state: ReportedNodeState };

export type HeartbeatResult =
  | { accepted: true; nowMs: number; lostTaskIds: string[] }
  /** Another live process heartbeats under the same node id. */
  | { accepted: false; otherInstance: string; seenMsAgo: number };

/**
 * The registry of worker nodes. A heartbeat also renews the leases of the node's tasks (one atomic
 * step), so a node that stops heartbeating loses its entry and its leases together.
 */
export interface NodeRegistry {
  heartbeat(report: NodeReport, options: { instance: string; ttlMs: number; retentionSeconds: number }): Promise<HeartbeatResult>;
  /** Every node still on record, with its state as the fleet sees it (`lost` once its heartbeat expired). */
  list(): Promise<FleetNode[]>;
  get(id: string): Promise<FleetNode | undefined>;
  /** Ids of nodes whose last heartbeat is older than the time-to-live. */
  staleIds(): Promise<string[]>;
  /** Forgets a node that stopped cleanly (only while `instance` still owns the id). */
  deregister(id: string, instance: string): Promise<void>;
}

/** Counts requests per subject (a token's hash) per rate window, across every API server. */
export interface RateCounter {
  /** Adds one request and returns the window's count so far, this one included. */
  increment(subject: string, windowIndex: number, ttlMs: number): Promise<number>;
}
