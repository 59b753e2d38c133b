/**
 * Native schedule routes under /v1/schedules: create, list, show, replace, delete, pause, resume,
 * cancel, history, and apply (a whole definitions file: compare by name, then create, update, delete);
 * and `GET /v1/cron/next`, the next firings of a cron expression in a zone (a preview, nothing stored).
 * Thin: the rules live in service/schedules.ts and service/schedule-apply.ts.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { previewFirings, wallClock } from '../../core/cron/preview.ts';
import { SCHEDULE_STATUSES } from '../../core/model.ts';
import { codeNameSchema } from '../../core/schemas/task-request.ts';
import type { AppContext } from '../../service/context.ts';
import { applySchedules } from '../../service/schedule-apply.ts';
import {
  cancelSchedule,
  createSchedule,
  deleteSchedule,
  getSchedule,
  listSchedules,
  pauseSchedule,
  replaceSchedule,
  resumeSchedule,
  scheduleHistory,
} from '../../service/schedules.ts';
import { projectOf } from '../auth.ts';
import { bodyLimits } from '../body-limits.ts';
import { zodToDhError } from '../errors.ts';
import { presentWithPayload } from '../present.ts';

/** `?status=a,b&code=N&limit=100`; each given once. Out-of-range limits are clamped. */
const ScheduleListQuery = z.object({
  status: z
    .string()
    .optional()
    .transform((value) => (value ? value.split(',') : []))
    .pipe(z.array(z.enum(SCHEDULE_STATUSES, { error: `a status is one of ${SCHEDULE_STATUSES.join(', ')}` }))),
  code: codeNameSchema.optional(),
  limit: z
    .string()
    .regex(/^\d{1,9}$/, 'limit is a whole number')
    .optional()
    .transform((value) => Math.min(Math.max(Number(value ?? 100) || 100, 1), 1000)),
});

const ApplyBody = z.strictObject({
  schedules: z.array(z.unknown()).max(1000, 'at most 1000 schedules per file'),
  prune: z.boolean().optional(),
  dry_run: z.boolean().optional(),
});

/** `?cron=EXPR&tz=Zone&n=5&from=RFC3339`; at most 50 firings, as a preview needs no more. */
const CronPreviewQuery = z.object({
  cron: z.string().min(1, 'cron is the expression to preview').max(256),
  tz: z.string().max(64).optional(),
  n: z.coerce.number().int().min(1).max(50).default(5),
  from: z.string().max(64).optional(),
});

export function registerScheduleRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/v1/cron/next', async (request) => {
    const parsed = CronPreviewQuery.safeParse(request.query ?? {});
    if (!parsed.success) throw zodToDhError(parsed.error, 'cron preview');
    const { cron, tz, n, from } = parsed.data;
    const { zone, instants } = previewFirings(cron, { count: n, ...(tz !== undefined ? { tz } : {}), ...(from !== undefined ? { from } : {}) });
    return { zone, next: instants.map((at) => ({ at: at.toISOString(), wall: wallClock(at, zone) })) };
  });

  app.post('/v1/schedules', async (request, reply) => {
    return reply.status(201).send(presentWithPayload(await createSchedule(ctx, projectOf(request).id, request.body)));
  });

  app.get('/v1/schedules', async (request) => {
    const parsed = ScheduleListQuery.safeParse(request.query ?? {});
    if (!parsed.success) throw zodToDhError(parsed.error, 'schedule list query');
    const { status, code, limit } = parsed.data;
    const schedules = await listSchedules(ctx, projectOf(request).id, {
      ...(status.length > 0 ? { status } : {}),
      ...(code ? { codeName: code } : {}),
      limit,
    });
    return { schedules: schedules.map(presentWithPayload) };
  });

  // A whole definitions file: up to 1000 entries, each with a payload, so the batch body limit.
  app.post('/v1/schedules/apply', { bodyLimit: bodyLimits(ctx.settings).taskBatch }, async (request) => {
    const parsed = ApplyBody.safeParse(request.body);
    if (!parsed.success) throw zodToDhError(parsed.error, 'schedule file');
    return applySchedules(ctx, projectOf(request).id, parsed.data.schedules, {
      prune: parsed.data.prune ?? false,
      dryRun: parsed.data.dry_run ?? false,
    });
  });

  app.get<{ Params: { id: string } }>('/v1/schedules/:id', async (request) => presentWithPayload(await getSchedule(ctx, projectOf(request).id, request.params.id)));

  app.put<{ Params: { id: string } }>('/v1/schedules/:id', async (request) =>
    presentWithPayload(await replaceSchedule(ctx, projectOf(request).id, request.params.id, request.body)),
  );

  app.delete<{ Params: { id: string } }>('/v1/schedules/:id', async (request) => {
    await deleteSchedule(ctx, projectOf(request).id, request.params.id);
    return { deleted: request.params.id };
  });

  app.post<{ Params: { id: string } }>('/v1/schedules/:id/pause', async (request) => presentWithPayload(await pauseSchedule(ctx, projectOf(request).id, request.params.id)));
  app.post<{ Params: { id: string } }>('/v1/schedules/:id/resume', async (request) => presentWithPayload(await resumeSchedule(ctx, projectOf(request).id, request.params.id)));
  app.post<{ Params: { id: string } }>('/v1/schedules/:id/cancel', async (request) => presentWithPayload(await cancelSchedule(ctx, projectOf(request).id, request.params.id)));

  app.get<{ Params: { id: string }; Querystring: { limit?: string } }>('/v1/schedules/:id/history', async (request) => {
    const limit = request.query.limit !== undefined ? Number(request.query.limit) || undefined : undefined;
    return { firings: await scheduleHistory(ctx, projectOf(request).id, request.params.id, limit !== undefined ? { limit } : {}) };
  });
}
