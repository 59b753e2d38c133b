/**
 * What a client may ask for when queueing a task, parsed once at the edge. Defaults that depend on the
 * code package (timeout, priority) are filled in later by the service, not here.
 */
import { z } from 'zod';
import { LIMITS } from '../limits.ts';

/** Cluster names become part of queue names, so they stay short and plain. */
export const CLUSTER_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export const CODE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export const codeNameSchema = z
  .string()
  .regex(CODE_NAME_PATTERN, 'a code name is 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit');

export const prioritySchema = z.union([z.literal(0), z.literal(1), z.literal(2)], {
  error: 'priority must be 0, 1 or 2 (2 runs first)',
});

export const TaskRequestSchema = z.strictObject({
  code_name: codeNameSchema,
  /** Any JSON value; a string is passed to the task as is, anything else as its JSON text. */
  payload: z.unknown().optional(),
  priority: z.coerce.number().pipe(prioritySchema).optional(),
  timeout: z.coerce.number().int().min(1).max(LIMITS.timeoutMax).optional(),
  delay: z.coerce.number().int().min(0).max(LIMITS.delayMax).optional(),
  cluster: z.string().regex(CLUSTER_PATTERN, 'a cluster name is lowercase letters, digits, "_" or "-"').optional(),
  label: z.string().max(256).optional(),
  /** Labels a node must carry to run the task, as { key: value } (Swarm's constraint:key==value). */
  constraints: z.record(z.string(), z.string()).optional(),
  /** Override the code package's retries and retries_delay for this task. */
  retries: z.coerce.number().int().min(0).max(LIMITS.retriesMax).optional(),
  retries_delay: z.coerce.number().int().min(0).max(LIMITS.delayMax).optional(),
});

export type TaskRequest = z.infer<typeof TaskRequestSchema>;

export const TaskBatchSchema = z.strictObject({
  tasks: z.array(TaskRequestSchema).min(1).max(LIMITS.batchMax, `at most ${LIMITS.batchMax} tasks per request`),
});
