/**
 * Starts the server role: the HTTP API listening on DOCKHAND_HOST:DOCKHAND_PORT, and the scheduler
 * that fires schedules (every server runs one unless DOCKHAND_SCHEDULER=off; each occurrence still
 * fires once), and the retention sweep (one server per interval does it). Closing the app stops both.
 */
import type { FastifyInstance } from 'fastify';
import { hostname } from 'node:os';
import { buildApp } from '../api/app.ts';
import { Scheduler } from '../scheduler/scheduler.ts';
import type { AppContext } from '../service/context.ts';
import { ensureConfiguredProject } from './default-project.ts';
import { startMaintenanceLoop } from './maintenance-loop.ts';

export async function startServerRole(
  ctx: AppContext,
  options: { health?: () => Promise<void> } = {},
): Promise<{ app: FastifyInstance; url: string; scheduler: Scheduler | undefined }> {
  await ensureConfiguredProject(ctx);
  const app = await buildApp(ctx, options.health ? { health: options.health } : {});
  const scheduler = ctx.settings.DOCKHAND_SCHEDULER === 'on'
    ? new Scheduler(ctx, { lateToleranceMs: ctx.settings.DOCKHAND_SCHEDULE_TOLERANCE * 1000 })
    : undefined;
  if (scheduler) app.addHook('onClose', () => scheduler.stop());
  const maintenance = startMaintenanceLoop(ctx, `${hostname()}:${process.pid}`);
  app.addHook('onClose', () => maintenance.stop());
  await app.listen({ port: ctx.settings.DOCKHAND_PORT, host: ctx.settings.DOCKHAND_HOST });
  await scheduler?.start();
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : ctx.settings.DOCKHAND_PORT;
  const url = `http://127.0.0.1:${port}`;
  ctx.logger.info({ url, scheduler: scheduler !== undefined }, 'API listening');
  return { app, url, scheduler };
}
