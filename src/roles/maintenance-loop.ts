/**
 * Runs the retention sweep (service/maintenance.ts) on every server: once shortly after start, then
 * every DOCKHAND_RETENTION_SWEEP_MS. The lock in Redis makes it one sweep per interval fleet-wide. A
 * failed sweep (Redis away, a store error) is logged and tried again next interval; it never stops
 * the server.
 *
 *   const loop = startMaintenanceLoop(ctx, 'api-1');
 *   await loop.stop();
 */
import { sweepIfDue } from '../service/maintenance.ts';
import type { AppContext } from '../service/context.ts';

/** The first sweep waits this long, so a fleet starting together does not sweep while it warms up. */
const FIRST_SWEEP_DELAY_MS = 15_000;

export interface MaintenanceLoop {
  stop(): Promise<void>;
}

export function startMaintenanceLoop(ctx: AppContext, holder: string): MaintenanceLoop {
  const intervalMs = ctx.settings.DOCKHAND_RETENTION_SWEEP_MS;
  let running: Promise<void> | undefined;
  let stopped = false;
  const sweep = (): void => {
    if (stopped || running) return;
    running = sweepIfDue(ctx, holder, intervalMs, Date.now())
      .then((report) => {
        if (report) ctx.logger.info({ ...report }, 'retention sweep done');
      })
      .catch((err: unknown) => ctx.logger.warn({ err }, 'retention sweep failed; trying again next interval'))
      .finally(() => { running = undefined; });
  };
  const first = setTimeout(sweep, Math.min(FIRST_SWEEP_DELAY_MS, intervalMs));
  const timer = setInterval(sweep, intervalMs);
  first.unref();
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
