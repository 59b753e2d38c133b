/**
 * Native schedule routes under /v1/schedules: create, list, show, replace, delete, pause, resume,
 * cancel, history, and apply (a whole definitions file: compare by name, then create, update, delete).
 * Thin: the rules live in service/schedules.ts and service/schedule-apply.ts.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ScheduleStatus } from '../../core/model.ts';
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
import { zodToDhError } from '../errors.ts';

const ApplyBody = z.strictObject({
  schedules: z.array(z.unknown()).max(1000, 'at most 1000 schedules per file'),
  prune: z.boolean().optional(),
  dry_run: z.boolean().optional(),
});

export function registerScheduleRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post('/v1/schedules', async (request, reply) => {
    return reply.status(201).send(await createSchedule(ctx, projectOf(request).id, request.body));
  });

  app.get<{ Querystring: { status?: string; code?: string; limit?: string } }>('/v1/schedules', async (request) => {
    const limit = Math.min(Math.max(Number(request.query.limit ?? 100) || 100, 1), 1000);
    const schedules = await listSchedules(ctx, projectOf(request).id, {
      ...(request.query.status ? { status: request.query.status.split(',') as ScheduleStatus[] } : {}),
      ...(request.query.code ? { codeName: request.query.code } : {}),
      limit,
    });
    return { schedules };
  });

  app.post('/v1/schedules/apply', async (request) => {
    const parsed = ApplyBody.safeParse(request.body);
    if (!parsed.success) throw zodToDhError(parsed.error, 'schedule file');
    return applySchedules(ctx, projectOf(request).id, parsed.data.schedules, {
      prune: parsed.data.prune ?? false,
      dryRun: parsed.data.dry_run ?? false,
    });
  });

  app.get<{ Params: { id: string } }>('/v1/schedules/:id', async (request) => getSchedule(ctx, projectOf(request).id, request.params.id));

  app.put<{ Params: { id: string } }>('/v1/schedules/:id', async (request) =>
    replaceSchedule(ctx, projectOf(request).id, request.params.id, request.body),
  );

  app.delete<{ Params: { id: string } }>('/v1/schedules/:id', async (request) => {
    await deleteSchedule(ctx, projectOf(request).id, request.params.id);
    return { deleted: request.params.id };
  });

  app.post<{ Params: { id: string } }>('/v1/schedules/:id/pause', async (request) => pauseSchedule(ctx, projectOf(request).id, request.params.id));
  app.post<{ Params: { id: string } }>('/v1/schedules/:id/resume', async (request) => resumeSchedule(ctx, projectOf(request).id, request.params.id));
  app.post<{ Params: { id: string } }>('/v1/schedules/:id/cancel', async (request) => cancelSchedule(ctx, projectOf(request).id, request.params.id));

  app.get<{ Params: { id: string }; Querystring: { limit?: string } }>('/v1/schedules/:id/history', async (request) => {
    const limit = request.query.limit !== undefined ? Number(request.query.limit) || undefined : undefined;
    return { firings: await scheduleHistory(ctx, projectOf(request).id, request.params.id, limit !== undefined ? { limit } : {}) };
  });
}
