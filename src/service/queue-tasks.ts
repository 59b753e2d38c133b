/**
 * Queueing tasks, one or a batch, for every front door (native API, IronWorker API, webhooks,
 * schedules, retries). Every request of a call is checked first (its package exists, its payload and
 * constraints are valid); only then are all the records written and queued, by one script call
 * (`TaskQueue.queueNew`): a batch queues every task or none, and a server that dies mid-request
 * leaves no task recorded but not queued.
 *
 *   const task = await queueTask(ctx, projectId, { code_name: 'hello', payload: { n: 1 } });
 *   const tasks = await queueTasks(ctx, projectId, [{ code_name: 'a' }, { code_name: 'b' }], { links: [trace] });
 */
import { DhError } from '../core/errors.ts';
import { checkConstraints } from '../core/fleet/constraints.ts';
import { withNetworkConstraint } from '../core/egress/network-label.ts';
import { newId } from '../core/ids.ts';
import type { CodeRevision, Task } from '../core/model.ts';
import type { TaskRequest } from '../core/schemas/task-request.ts';
import type { NewTask } from '../store/ports.ts';
import { startEnqueueSpan, type EnqueueSpan } from '../telemetry/enqueue-span.ts';
import { waitForReplicas } from '../store/redis/connection/replication.ts';
import type { AppContext } from './context.ts';

export interface QueueOptions {
  scheduleId?: string;
  /**
   * Use this id instead of a new one. Queueing is then idempotent: if the task exists it is returned
   * as it is (and placed in its queue if, still `queued`, no queue ever held it).
   */
  taskId?: string;
  retryOf?: string;
  /** W3C trace context of the caller (`traceparent`, `tracestate`): the task's trace continues it. */
  trace?: Record<string, string>;
  /** Trace id to start the task's trace with when there is no caller context. */
  traceId?: string;
  /** W3C contexts the task's trace links to (the batch request it came in, the task it retries). */
  links?: Record<string, string>[];
}

export function payloadText(payload: unknown): string {
  if (payload === undefined || payload === null) return '';
  return typeof payload === 'string' ? payload : JSON.stringify(payload);
}

export async function queueTask(ctx: AppContext, projectId: string, request: TaskRequest, options: QueueOptions = {}): Promise<Task> {
  const [task] = await queueTasks(ctx, projectId, [request], options);
  return task!;
}

/**
 * Queues every request or none: the first invalid one fails the call before anything is written.
 * Each task gets its own trace (options apply to every task; a batch passes only `links`).
 */
export async function queueTasks(ctx: AppContext, projectId: string, requests: readonly TaskRequest[], options: QueueOptions = {}): Promise<Task[]> {
  if (options.taskId !== undefined && requests.length !== 1) throw new Error('A fixed task id queues exactly one task');
  const codes = await currentCodes(ctx, projectId, requests);
  const now = new Date();
  const prepared = requests.map((request) => prepare(ctx, projectId, request, codes.get(request.code_name)!, options, now));
  let created: (Task | undefined)[];
  try {
    created = await ctx.queue.queueNew(prepared.map(({ task, send }) => ({ task, trace: send.carrier })));
    // With DOCKHAND_REDIS_WAIT_REPLICAS, nothing is acknowledged before a replica holds it (docs/operations.md).
    await waitForReplicas(ctx.redis, ctx.settings.DOCKHAND_REDIS_WAIT_REPLICAS, ctx.settings.DOCKHAND_REDIS_WAIT_TIMEOUT_MS, `${prepared.length} task(s)`);
  } catch (err) {
    for (const { send } of prepared.slice(1)) swallow(() => send.failed(err));
    return prepared[0]!.send.failed(err);
  }
  const tasks: Task[] = [];
  const owners: { traceId: string; owner: { taskId: string; projectId: string } }[] = [];
  for (const [i, { task, send }] of prepared.entries()) {
    const record = created[i];
    if (record) {
      send.succeeded(record);
      owners.push({ traceId: record.trace_id, owner: { taskId: record.id, projectId } });
      ctx.metrics.taskEntered('queued', record.code_name);
      tasks.push(record);
      continue;
    }
    // Only a fixed id can exist already; it keeps its own record (and trace).
    const existing = await ctx.tasks.get(task.id);
    if (!existing) throw new Error(`Task ${task.id} exists and vanished while being read`);
    tasks.push(existing);
  }
  // Who may add spans to each trace later (a client reporting its call): the task's project.
  if (ctx.telemetry.enabled && owners.length > 0) void ctx.telemetry.store.setOwners(owners).catch(() => undefined);
  return tasks;
}

/** The current revision of every package the requests name, each read once. */
async function currentCodes(ctx: AppContext, projectId: string, requests: readonly TaskRequest[]): Promise<Map<string, CodeRevision>> {
  const names = [...new Set(requests.map((r) => r.code_name))];
  const revisions = await Promise.all(names.map((name) => ctx.codes.current(projectId, name)));
  const codes = new Map<string, CodeRevision>();
  names.forEach((name, i) => {
    const code = revisions[i];
    if (!code) {
      throw new DhError('DH_ERR_CODE_NOT_FOUND', `No code package named "${name}" in this project; upload it first with \`dockhand code upload <dir> --name ${name} --stack <stack>\`.`);
    }
    codes.set(name, code);
  });
  return codes;
}

/** Checks one request and builds its record and its enqueue span. Writes nothing. */
function prepare(ctx: AppContext, projectId: string, request: TaskRequest, code: CodeRevision, options: QueueOptions, now: Date): { task: NewTask; send: EnqueueSpan } {
  const payload = payloadText(request.payload);
  const payloadMax = ctx.settings.DOCKHAND_PAYLOAD_MAX_BYTES;
  if (Buffer.byteLength(payload) > payloadMax) {
    throw new DhError('DH_ERR_PAYLOAD_TOO_LARGE', `The payload is ${Buffer.byteLength(payload)} bytes; the limit is ${payloadMax} bytes (DOCKHAND_PAYLOAD_MAX_BYTES). Store large inputs elsewhere and pass a reference.`, { field: 'payload', limit: payloadMax });
  }
  const asked = request.constraints && Object.keys(request.constraints).length > 0 ? checkConstraints(request.constraints) : undefined;
  // Only nodes that filter egress (or are deliberately unfiltered) may run a network-enabled task.
  const constraints = withNetworkConstraint(asked, code.network);
  const priority = request.priority ?? code.default_priority;
  // The enqueue span: its trace is the task's, and its context travels with the queued task.
  const send = startEnqueueSpan(ctx.telemetry, { request, codeName: code.name, projectId, priority, options });
  const task: NewTask = {
    id: options.taskId ?? newId(now.getTime()),
    project_id: projectId,
    code_name: code.name,
    code_id: code.id,
    code_rev: code.rev,
    priority,
    timeout: request.timeout ?? code.timeout,
    delay: request.delay ?? 0,
    cluster: request.cluster ?? 'default',
    ...(request.label !== undefined ? { label: request.label } : {}),
    ...(constraints ? { constraints } : {}),
    memory: code.memory,
    retries: request.retries ?? code.retries,
    retries_delay: request.retries_delay ?? code.retries_delay,
    payload,
    created_at: now.toISOString(),
    queued_at: now.toISOString(),
    ...(options.scheduleId ? { schedule_id: options.scheduleId } : {}),
    ...(options.retryOf ? { retry_of: options.retryOf } : {}),
    trace_id: send.traceId,
  };
  return { task, send };
}

/** `EnqueueSpan.failed` records and rethrows; for all but one span of a failed batch only the record matters. */
function swallow(fn: () => void): void {
  try {
    fn();
  } catch {
    // the error is the batch's, thrown once by the caller
  }
}
