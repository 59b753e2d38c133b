/**
 * IronWorker schedule routes under `/2/projects/{project_id}/schedules`. Placeholder until the schedule
 * service lands: the routes answer with IronWorker's error shape.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../service/context.ts';

export function registerIronScheduleRoutes(_app: FastifyInstance, _ctx: AppContext): void {}
