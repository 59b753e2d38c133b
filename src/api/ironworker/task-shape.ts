/**
 * A Dockhand task as IronWorker clients read it: IronWorker's field names and types (`code_rev` is a
 * string, times are RFC 3339, `duration` is in ms), fields without a value left out, secret-looking
 * payload keys masked as on every route, and a few
 * Dockhand extras (`exit_code`, `result`, `retry_of`) that IronWorker clients ignore.
 *
 *   reply.send({ tasks: tasks.map(ironTask) });
 */
import type { Task } from '../../core/model.ts';
import { presentTask } from '../present.ts';

export interface IronTask {
  id: string;
  project_id: string;
  code_id: string;
  code_name: string;
  code_rev: string;
  status: Task['status'];
  created_at: string;
  updated_at: string;
  priority: number;
  timeout: number;
  delay: number;
  payload: string;
  cluster: string;
  retry_count: number;
  start_time?: string;
  end_time?: string;
  duration?: number;
  msg?: string;
  label?: string;
  percent?: number;
  schedule_id?: string;
  error_class?: string;
  exit_code?: number;
  result?: unknown;
  retry_of?: string;
}

export function ironTask(stored: Task): IronTask {
  // Secret-looking payload keys are masked in what is shown, as on every route (api/present.ts).
  const task = presentTask(stored);
  const shaped: IronTask = {
    id: task.id,
    project_id: task.project_id,
    code_id: task.code_id,
    code_name: task.code_name,
    code_rev: String(task.code_rev),
    status: task.status,
    created_at: task.created_at,
    updated_at: task.updated_at,
    priority: task.priority,
    timeout: task.timeout,
    delay: task.delay,
    payload: task.payload,
    cluster: task.cluster,
    // IronWorker counts the runs after the first; Dockhand counts every attempt.
    retry_count: Math.max(0, (task.attempts ?? 0) - 1),
  };
  const optional = ['start_time', 'end_time', 'duration', 'msg', 'label', 'percent', 'schedule_id', 'error_class', 'exit_code', 'result', 'retry_of'] as const;
  for (const field of optional) {
    const value = task[field];
    if (value !== undefined && value !== null) (shaped as unknown as Record<string, unknown>)[field] = value;
  }
  return shaped;
}
