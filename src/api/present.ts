/**
 * How records look when the API shows them: secret-looking keys of payloads, configs and env vars are
 * masked (src/core/secrets.ts), as IronWorker's dashboard did. Only what is shown is masked; the
 * stored record, and what the task receives, stay intact. Every route that returns a task or a code
 * package goes through here.
 *
 *   reply.send(presentTask(task));
 */
import type { CodeRevision, Task } from '../core/model.ts';
import { maskEnvVars, maskJsonText } from '../core/secrets.ts';

export function presentTask(task: Task): Task {
  return typeof task.payload === 'string' ? { ...task, payload: maskJsonText(task.payload) } : task;
}

/** Any record that carries a payload as text (a schedule, whose tasks get it). */
export function presentWithPayload<T extends { payload?: string }>(record: T): T {
  return typeof record.payload === 'string' ? { ...record, payload: maskJsonText(record.payload) } : record;
}

export function presentTasks(tasks: Task[]): Task[] {
  return tasks.map(presentTask);
}

export function presentCode(code: CodeRevision): CodeRevision {
  const shown: CodeRevision = { ...code, env_vars: maskEnvVars(code.env_vars ?? {}) };
  if (typeof code.config === 'string') shown.config = maskJsonText(code.config);
  return shown;
}

export function presentCodes(codes: CodeRevision[]): CodeRevision[] {
  return codes.map(presentCode);
}
