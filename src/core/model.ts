/**
 * The records Dockhand keeps, as the API and `--json` show them. Field names follow INTERFACE.md
 * (and IronWorker's, where it had one).
 */
import type { Labels } from './fleet/constraints.ts';
import type { NodeState } from './fleet/node-state.ts';
import type { PlacementStrategy } from './fleet/placement.ts';
import type { Priority } from './limits.ts';
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
  env_vars: Record<string, string>;
  config?: string;
  max_concurrency: number;
  retries: number;
  retries_delay: number;
  timeout: number;
  memory: number;
  cpus: number;
  network: boolean;
  default_priority: Priority;
  archive_sha256?: string;
  archive_size?: number;
  file_count?: number;
  created_at: string;
}

/**
 * How one attempt ended: a finished status, or one of the ways an attempt ends without deciding the
 * task: `drained` (its node shut down and gave it back), `lost` (its node died and another node took
 * it back), `revoked` (its node lost its lease, so it was stopped to keep the fleet-wide limits).
 */
export type AttemptEnd = FinishedStatus | 'drained' | 'lost' | 'revoked';

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
}

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
}
