/**
 * Dockhand's settings, parsed once from the environment with zod. One line per variable says what it
 * is for; an invalid value stops the process with a sentence naming the variable.
 *
 *   const settings = parseSettings(process.env);
 */
import { z } from 'zod';
import { DhError } from './errors.ts';

const positiveInt = z.coerce.number().int().positive();

const SettingsSchema = z.object({
  /** Port of the HTTP API (0 picks a free one). */
  DOCKHAND_PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  /** Address the API listens on. */
  DOCKHAND_HOST: z.string().default('0.0.0.0'),
  /** Where credentials, the code store and a self-started Redis live. */
  DOCKHAND_DATA_DIR: z.string().default('.dockhand'),
  /** Redis to use; unset means `up` starts its own under the data dir. */
  REDIS_URL: z.string().optional(),
  /** Prefix of every Redis key, so installations (and tests) can share one Redis. */
  DOCKHAND_REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]*$/).default('dh:'),
  /** Directory of uploaded code archives; defaults to <data dir>/code. Share it (NFS) across servers. */
  DOCKHAND_CODE_DIR: z.string().optional(),
  /** This worker node's id; defaults to the host name. */
  DOCKHAND_NODE_ID: z.string().regex(/^[A-Za-z0-9._-]+$/).optional(),
  /** Task slots of a worker node. */
  DOCKHAND_CONCURRENCY: positiveInt.max(256).default(4),
  /** OCI runtime for task containers (e.g. `runsc` for gVisor); empty means the engine default. */
  DOCKHAND_RUNTIME: z.string().optional(),
  /** Days a finished task's log is kept. */
  DOCKHAND_LOG_RETENTION_DAYS: positiveInt.default(7),
  /** `off` keeps this server from firing schedules (every server fires them by default; one firing per occurrence either way). */
  DOCKHAND_SCHEDULER: z.enum(['on', 'off']).default('on'),
  /** The smallest `every` / `run_every` a schedule may have, in seconds (IronWorker enforced 60). */
  DOCKHAND_MIN_RUN_EVERY: positiveInt.default(60),
  /** Seconds an occurrence may be late and still fire as due; older ones follow the missed-run policy. */
  DOCKHAND_SCHEDULE_TOLERANCE: positiveInt.max(86_400).default(30),
  /** Log level of Dockhand's own structured logs. */
  DOCKHAND_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Settings = z.infer<typeof SettingsSchema>;

export function parseSettings(env: Record<string, string | undefined>): Settings {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = SettingsSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DhError('DH_ERR_CONFIG', `Setting ${issue.path.join('.')} is invalid: ${issue.message}.`);
  }
  return parsed.data;
}
