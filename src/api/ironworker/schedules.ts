/**
 * IronWorker schedule routes under `/2/projects/{project_id}/schedules`: create (a batch), list
 * (paged), show and cancel, over the same schedule service as `/v1/schedules`. Every firing is an
 * ordinary task carrying `schedule_id`.
 */
import type { FastifyInstance } from 'fastify';
import { DhError } from '../../core/errors.ts';
import { IronScheduleBatchSchema, ironScheduleRequest } from '../../core/schemas/ironworker-schedule.ts';
import { checkScheduleRequest, describeIssues } from '../../core/schemas/schedule-request.ts';
import { ironPaging } from '../../core/schemas/ironworker-task.ts';
import type { AppContext } from '../../service/context.ts';
import { cancelSchedule, createSchedule, getSchedule, listSchedules } from '../../service/schedules.ts';
import { projectOf } from '../auth.ts';
import { bodyLimits } from '../body-limits.ts';
import { ironInvalid } from './errors.ts';
import { ironSchedule } from './schedule-shape.ts';

type ScheduleParams = { Params: { project_id: string; schedule_id: string } };

/** As many as IronWorker's batch of tasks; each schedule is checked before any is created. */
const SCHEDULE_BATCH_MAX = 100;

export function registerIronScheduleRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post('/projects/:project_id/schedules', { bodyLimit: bodyLimits(ctx.settings).taskBatch }, async (request) => {
    const project = projectOf(request);
    const batch = IronScheduleBatchSchema.safeParse(request.body);
    if (!batch.success) throw ironInvalid({ field: batch.error.issues[0]?.path.join('.') || 'schedules', message: batch.error.issues[0]?.message ?? 'invalid' }, 'schedule batch');
    if (batch.data.schedules.length > SCHEDULE_BATCH_MAX) throw ironInvalid({ field: 'schedules', message: `at most ${SCHEDULE_BATCH_MAX} schedules per request` }, 'schedule batch');
    const now = new Date();
    // Every schedule is checked (fields, timing, code package) before any is created.
    const requests = batch.data.schedules.map((item, i) => {
      const parsed = ironScheduleRequest(item, now);
      if (!parsed.ok) throw ironInvalid({ field: `schedules.${i}.${parsed.field}`, message: parsed.message }, 'schedule');
      const checked = checkScheduleRequest(parsed.value, { now, minRunEvery: ctx.settings.DOCKHAND_MIN_RUN_EVERY });
      if (!checked.ok) {
        const first = checked.issues[0];
        throw new DhError('DH_ERR_VALIDATION', `Invalid schedule: schedules.${i}: ${describeIssues(checked.issues)}.`, { field: `schedules.${i}${first?.path ? `.${first.path}` : ''}`, issues: checked.issues });
      }
      return parsed.value;
    });
    for (const codeName of new Set(requests.map((r) => String(r['code_name'])))) {
      if (!(await ctx.codes.current(project.id, codeName))) {
        throw new DhError('DH_ERR_CODE_NOT_FOUND', `No code package named "${codeName}" in this project; upload it before scheduling it.`, { field: 'code_name', value: codeName });
      }
    }
    const schedules = [];
    for (const item of requests) schedules.push(ironSchedule(await createSchedule(ctx, project.id, item, { now })));
    return { msg: 'Scheduled', schedules };
  });

  app.get('/projects/:project_id/schedules', async (request) => {
    const paging = ironPaging(request.query as Record<string, unknown>);
    if (!paging.ok) throw ironInvalid(paging, 'query');
    const { offset, perPage } = paging.value;
    const schedules = await listSchedules(ctx, projectOf(request).id, { limit: offset + perPage });
    return { schedules: schedules.slice(offset, offset + perPage).map(ironSchedule) };
  });

  app.get<ScheduleParams>('/projects/:project_id/schedules/:schedule_id', async (request) =>
    ironSchedule(await getSchedule(ctx, projectOf(request).id, request.params.schedule_id)),
  );

  app.post<ScheduleParams>('/projects/:project_id/schedules/:schedule_id/cancel', async (request) => {
    await cancelSchedule(ctx, projectOf(request).id, request.params.schedule_id);
    return { msg: 'Cancelled' };
  });
}
