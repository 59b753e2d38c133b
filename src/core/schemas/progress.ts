/**
 * A task's progress report, as IronWorker had it: a percentage and an optional message. It arrives
 * over the API (`POST /v1/tasks/{id}/progress`) or as a `##dockhand progress` line in the task's
 * output; both end up here.
 *
 *   ProgressSchema.parse({ percent: 40, msg: 'halfway' })  // { percent: 40, msg: 'halfway' }
 */
import { z } from 'zod';

export const PROGRESS_MSG_MAX_CHARS = 1024;

export const ProgressSchema = z.strictObject({
  /** 0 to 100; fractions are rounded to whole percents like IronWorker's. */
  percent: z.coerce.number().min(0, 'percent must be 0 to 100').max(100, 'percent must be 0 to 100').transform((p) => Math.round(p)),
  msg: z.string().max(PROGRESS_MSG_MAX_CHARS, `msg is at most ${PROGRESS_MSG_MAX_CHARS} characters`).optional(),
});

export type Progress = z.infer<typeof ProgressSchema>;
