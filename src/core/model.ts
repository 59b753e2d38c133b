/**
 * The records Dockhand keeps, as the API and `--json` show them. Field names are IronWorker's where it
 * had one (docs/ironworker.md maps them).
 */
import type { Labels } from './fleet/constraints.ts';
import type { NodeState } from './fleet/node-state.ts';
import type { PlacementStrategy } from './fleet/placement.ts';
import type { Priority } from './limits.ts';
import type { ScheduleText } from './schedule/schema.ts';
import type { FinishedStatus, TaskStatus } from './task-status.ts';

export interface Project {
  id: string;
  name: string;
  created_at: string;
}

/** One revision of a code package: everything needed to run it, frozen at upload. */
export interface CodeRevision {
  id: string;
  project_id: string;
  name: string;
  rev: number;
  /** Exactly one of stack or image names what the package runs on. */
  stack?: string;
  image?: string;
  /** The Docker image id the revision was built and checked against. */
  image_id?: string;
  /** The command to run, as a shell line; defaults to the stack's run command. */
  command?: string;
  /** IronWorker zip-era packages: the runtime and file the command was made from, shown back by /2. */
  runtime?: string;
  file_name?: string;
  env_vars: Record<string, string>;
  config?: string;
  max_concurrency: number;
  retries: number;
  retries_delay: number;
  timeout: number;
  memory: number;
  cpus: number;
  network: boolean;
  /** Destinations network-enabled tasks may reach even when private (`--egress`), canonical strings. */
  egress?: string[];
  default_priority: Priority;
  archive_sha256?: string;
  archive_size?: number;
  file_count?: number;
  /**
   * Set when the package was built at upload (dependencies installed, or compiled): the command that
   * ran in the stack image, how long it took, and the archive as uploaded. `archive_sha256` is then
   * the built package, which tasks run.
   */
  build?: { command: string; seconds: number; source_sha256: string };
  created_at: string;
}

/**
 * How one attempt ended: a finished status, or one of the ways an attempt ends without deciding the
 * task: `drained` (its node shut down and gave it back), `lost` (its node died and another node took
 * it back), `revoked` (its node lost its lease, so it was stopped to keep the fleet-wide limits),
 * `engine-unavailable` (its node's Docker engine stopped answering, e.g. dockerd restarting; queued
 * again after a short wait without using a retry), `stack-missing` (its node did not have the stack's
 * image yet; it pulls it in the background).
 */
export type AttemptEnd = FinishedStatus | 'drained' | 'lost' | 'revoked' | 'engine-unavailable' | 'stack-missing';

/** One attempt of a task, kept on the task in `attempt_history`. */
export interface TaskAttempt {
  attempt: number;
  node_id?: string;
  status: AttemptEnd;
  exit_code?: number;
  start_time?: string;
  end_time?: string;
  msg?: string;
  /** When the task was queued again after this attempt, how long it waited first. */
  retry_delay_ms?: number;
}

export interface Task {
  id: string;
  project_id: string;
  code_name: string;
  code_id: string;
  code_rev: number;
  status: TaskStatus;
  priority: Priority;
  timeout: number;
  delay: number;
  cluster: string;
  label?: string;
  payload: string;
  created_at: string;
  updated_at: string;
  queued_at?: string;
  start_time?: string;
  end_time?: string;
  /** Milliseconds the task's process ran. */
  duration?: number;
  exit_code?: number;
  msg?: string;
  error_class?: string;
  result?: unknown;
  percent?: number;
  schedule_id?: string;
  retry_of?: string;
  attempts: number;
  node_id?: string;
  trace_id: string;
  /** Labels a node must carry to run the task (`--constraint region=eu-west`). */
  constraints?: Labels;
  /** The memory limit (MiB) of the task's code revision, which admission reserves on a node. */
  memory?: number;
  /** Retries allowed after a failed attempt, and the base delay (s) before the first: the task's or its package's. */
  retries?: number;
  retries_delay?: number;
  /** Every attempt that ended so far, oldest first. */
  attempt_history?: TaskAttempt[];
  /**
   * The egress policy the task's last attempt ran under (network-enabled packages only):
   * `public-only` (the public internet, nothing private, not the host), `allow-list` (that plus the
   * package's --egress destinations, as resolved when it started: `egress_allowed`), or `unfiltered`
   * (its node runs with DOCKHAND_EGRESS=off).
   */
  egress_policy?: EgressPolicyName;
  egress_allowed?: string[];
  /**
   * On a queued task read through the API: why no node can start it as the fleet stands (no node
   * serves its cluster or carries its constraints, none has its memory, its package is paused).
   * Computed when read, never stored; absent while it just waits its turn.
   */
  wait_reason?: string;
}

export type EgressPolicyName = 'public-only' | 'allow-list' | 'unfiltered';

/** Whether a node filters what network-enabled tasks reach, and if it cannot, why (docs/security.md "Egress"). */
export type NodeEgress =
  | { mode: 'enforced'; backend: string }
  | { mode: 'off' }
  | { mode: 'unavailable'; reason: string };

/** A worker node as `dockhand nodes --json` and `GET /v1/nodes` show it. Memory in MiB. */
export interface FleetNode {
  id: string;
  state: NodeState;
  clusters: string[];
  labels: Labels;
  slots_total: number;
  slots_used: number;
  memory_total: number;
  memory_reserved: number;
  /** Ids of the tasks the node holds (preparing or running). */
  running: string[];
  docker_version: string;
  /** Stacks whose current image is present on the node's engine. */
  stacks: string[];
  last_seen: string;
  placement: Record<string, PlacementStrategy>;
  started_at: string;
  /** The Docker engine's own id: nodes sharing an engine can clean up after each other. */
  engine_id: string;
  /** Whether the node filters network-enabled tasks' egress (absent: a node from before the policy existed). */
  egress?: NodeEgress;
  /** Whether its engine runs containers in a remapped user namespace (dockerd --userns-remap). */
  userns_remap?: boolean;
}

export const SCHEDULE_STATUSES = ['scheduled', 'paused', 'complete', 'cancelled', 'stopped'] as const;
/**
 * `scheduled` fires; `paused` keeps its identity and fires again after resume; `complete` has no
 * occurrence left (end_at passed, run_times spent, a one-off done); `cancelled` was ended by a user;
 * `stopped` was ended by Dockhand (e.g. its code package was deleted), with `status_reason` saying why.
 */
export type ScheduleStatus = (typeof SCHEDULE_STATUSES)[number];

/**
 * A schedule as the API and `--json` show it. The timing fields are the declared ones (the textual
 * form of core/schedule), except `start_at`, which is always the effective start of an every-N schedule.
 */
/** A schedule record: its timing in the textual form (cron, every, at, bounds, policies) plus its state. */
export interface Schedule extends ScheduleText {
  id: string;
  project_id: string;
  name?: string;
  code_name: string;
  payload: string;
  priority?: Priority;
  timeout?: number;
  cluster?: string;
  label?: string;
  status: ScheduleStatus;
  status_reason?: string;
  /** Tasks the schedule has created (IronWorker's run_count). */
  run_count: number;
  /** The latest occurrence already handled (fired, skipped or recorded as missed). */
  last_handled?: string;
  last_task_id?: string;
  /** When the last task was queued. */
  last_run_time?: string;
  /** The next occurrence, when the schedule has one. */
  next_start?: string;
  paused_at?: string;
  resumed_at?: string;
  created_at: string;
  updated_at: string;
}

export const FIRING_OUTCOMES = ['queued', 'skipped', 'missed'] as const;
export type FiringOutcome = (typeof FIRING_OUTCOMES)[number];

/** One entry of a schedule's history: what became of one occurrence. */
export interface ScheduleFiring {
  at: string;
  outcome: FiringOutcome;
  task_id?: string;
  reason?: string;
}
