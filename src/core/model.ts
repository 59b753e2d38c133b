/**
 * The records Dockhand keeps, as the API and `--json` show them. Field names follow INTERFACE.md
 * (and IronWorker's, where it had one).
 */
import type { Priority } from './limits.ts';
import type { TaskStatus } from './task-status.ts';

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
  default_priority: Priority;
  archive_sha256?: string;
  archive_size?: number;
  file_count?: number;
  created_at: string;
}

export interface TaskAttempt {
  attempt: number;
  node_id?: string;
  status: TaskStatus;
  exit_code?: number;
  start_time?: string;
  end_time?: string;
  msg?: string;
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
}
