/**
 * Which tasks a bulk cancel or retry acts on (`POST /v1/tasks/cancel`, `POST /v1/tasks/retry`): either
 * ids, or the same filter the task list takes (statuses, package, cluster, creation window in ms),
 * newest first, at most `limit` of them. A selection never reaches past BULK_MAX tasks, so one request
 * stays one bounded piece of work.
 */
import { z } from 'zod';
import { TASK_STATUSES } from '../task-status.ts';
import { CLUSTER_PATTERN, codeNameSchema } from './task-request.ts';

export const BULK_MAX = 500;

const msSchema = z.number().int().nonnegative().describe('milliseconds since the epoch');

export const TaskSelectionSchema = z.union([
  z.strictObject({ ids: z.array(z.string().regex(/^[0-9a-f]{24}$/, 'a task id is 24 hex characters')).min(1).max(BULK_MAX) }),
  z.strictObject({
    status: z.array(z.enum(TASK_STATUSES)).optional(),
    code: codeNameSchema.optional(),
    cluster: z.string().regex(CLUSTER_PATTERN).optional(),
    from: msSchema.optional(),
    to: msSchema.optional(),
    limit: z.number().int().min(1).max(BULK_MAX).optional().describe(`at most this many (default and most ${BULK_MAX})`),
  }),
]);

export type TaskSelection = z.infer<typeof TaskSelectionSchema>;
