/**
 * Dockhand's settings, parsed once from the environment with zod. One line per variable says what it
 * is for; an invalid value stops the process with a sentence naming the variable.
 *
 *   const settings = parseSettings(process.env);
 */
import { z } from 'zod';
import { DhError } from './errors.ts';
import { LIMITS } from './limits.ts';

const positiveInt = z.coerce.number().int().positive();

const SettingsSchema = z.object({
  /** Port of the HTTP API (0 picks a free one). */
  DOCKHAND_PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  /** Address the API listens on (`up` defaults to 127.0.0.1, the server role to every address). */
  DOCKHAND_HOST: z.string().default('0.0.0.0'),
  /** Where credentials, the code store and a self-started Redis live. */
  DOCKHAND_DATA_DIR: z.string().default('.dockhand'),
  /**
   * Redis to use; unset means `up` starts its own under the data dir. `redis+sentinel://host:26379,
   * host2:26379/mymaster` names a master that Redis Sentinel manages (docs/operations.md#redis-high-availability).
   */
  REDIS_URL: z.string().optional(),
  /** The Docker engine of a worker (and of builds); read by the Docker client itself, listed to be documented. */
  DOCKER_HOST: z.string().optional(),
  /** Sentinel addresses (host:port, comma-separated), instead of a redis+sentinel:// URL; needs DOCKHAND_REDIS_MASTER. */
  DOCKHAND_REDIS_SENTINELS: z.string().optional(),
  /** The master group name the sentinels monitor. */
  DOCKHAND_REDIS_MASTER: z.string().regex(/^[A-Za-z0-9._-]+$/, 'a master group name like mymaster').optional(),
  /**
   * Replicas that must hold a queued task before the API acknowledges it (Redis WAIT); 0 answers as
   * soon as the master has it. With a replica and Sentinel, 1 means a failover cannot lose a task the
   * API acknowledged.
   */
  DOCKHAND_REDIS_WAIT_REPLICAS: z.coerce.number().int().min(0).max(16).default(0),
  /** Milliseconds the API waits for those replicas before it refuses the request (503). */
  DOCKHAND_REDIS_WAIT_TIMEOUT_MS: positiveInt.max(60_000).default(2000),
  /** Prefix of every Redis key, so installations (and tests) can share one Redis. */
  DOCKHAND_REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]*$/).default('dh:'),
  /** Directory of uploaded code archives; defaults to <data dir>/code. Share it (NFS) across servers. */
  DOCKHAND_CODE_DIR: z.string().optional(),
  /**
   * Where a worker fetches code archives its code directory lacks (a node without a shared
   * DOCKHAND_CODE_DIR), e.g. http://server:8080; fetched archives are checked and cached on the node.
   */
  DOCKHAND_API_URL: z.url().optional(),
  /** Size cap (MiB) of a worker's cache of fetched code archives (<data dir>/code-cache). */
  DOCKHAND_CODE_CACHE_MB: positiveInt.default(2048),
  /** How often a worker collects superseded stack images and unused derived images; 0: never (stacks/image-gc-plan.ts). */
  DOCKHAND_IMAGE_GC_MINUTES: z.coerce.number().int().min(0).default(60),
  /**
   * An image registry (host:port, e.g. 127.0.0.1:5000 in a Swarm) that holds the stack images: a
   * worker pulls the current ones it lacks from it in the background, never while a task waits.
   */
  DOCKHAND_REGISTRY: z.string().regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'host:port of an image registry').optional(),
  /**
   * How a worker runs its dead-man's switch: `process` (a child process) or `container` (a container
   * of its own on the engine, for a worker that itself runs in a container and could be killed with it).
   */
  DOCKHAND_WATCHDOG: z.enum(['process', 'container']).default('process'),
  /** Whether a worker adds its engine's labels (and its Swarm node's, on a manager) to its own labels. */
  DOCKHAND_HOST_LABELS: z.enum(['on', 'off']).default('on'),
  /** This worker node's id; defaults to the host name. */
  DOCKHAND_NODE_ID: z.string().regex(/^[A-Za-z0-9._-]+$/).optional(),
  /** Task slots of a worker node. */
  DOCKHAND_CONCURRENCY: positiveInt.max(256).default(4),
  /** How often a worker node heartbeats: refreshes its registry entry and the leases of its tasks. */
  DOCKHAND_HEARTBEAT_MS: positiveInt.min(100).default(2000),
  /** A node silent for this long is lost: its leases lapse and the fleet takes its tasks back. */
  DOCKHAND_NODE_TTL_MS: positiveInt.min(1000).default(10_000),
  /** Warm containers a worker node keeps started ahead of demand, every class together; 0 turns the pool off. */
  DOCKHAND_WARM: z.coerce.number().int().min(0).max(64).default(0),
  /** Seconds a class of warm containers (stack image and limits) no task asked for keeps them before shrinking to zero. */
  DOCKHAND_WARM_IDLE_S: positiveInt.max(86_400).default(60),
  /** How often each node looks for Dockhand containers to clean up (it also does at start). */
  DOCKHAND_RECONCILE_MS: positiveInt.min(1000).default(30_000),
  /** How long a node that is not the best place for a task holds back, per rank (see placement). */
  DOCKHAND_PLACEMENT_STEP_MS: z.coerce.number().int().min(0).default(1000),
  /** Seconds a draining worker lets running tasks finish before it stops them and queues them again. */
  DOCKHAND_DRAIN_TIMEOUT_S: z.coerce.number().int().min(0).default(30),
  /** OCI runtime for task containers (e.g. `runsc` for gVisor); empty means the engine default. Checked at worker start and on every container. */
  DOCKHAND_RUNTIME: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a runtime name like runsc').optional(),
  /** Docker network for tasks of packages with network access: created with no traffic between containers. */
  DOCKHAND_TASK_NETWORK: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a Docker network name').default('dockhand-tasks'),
  /**
   * `enforce`: a worker filters the egress of network-enabled tasks (public internet only, plus each
   * package's allow-list) and takes no network-enabled task while it cannot; `off`: no filtering (a
   * worker without root or iptables), and its nodes say so. See docs/security.md "Egress".
   */
  DOCKHAND_EGRESS: z.enum(['enforce', 'off']).default('enforce'),
  /** Resolvers (IPv4, comma-separated) network-enabled tasks may use; default: the host's /etc/resolv.conf ones. */
  DOCKHAND_TASK_DNS: z
    .string()
    .regex(/^\s*\d{1,3}(\.\d{1,3}){3}(\s*,\s*\d{1,3}(\.\d{1,3}){3})*\s*$/, 'IPv4 addresses separated by commas')
    .transform((v) => v.split(',').map((s) => s.trim()))
    .optional(),
  /** Days a finished task's log is kept. */
  DOCKHAND_LOG_RETENTION_DAYS: positiveInt.default(7),
  /**
   * Days a finished task (record, attempt history, log, trace) and a schedule's history entry are kept
   * before the retention sweep forgets them; 30 keeps a month of history, so a monthly schedule's last
   * run is still there when the next one fires.
   */
  DOCKHAND_TASK_RETENTION_DAYS: positiveInt.max(3650).default(30),
  /** How often the fleet runs its retention sweep (one server per interval does it). */
  DOCKHAND_RETENTION_SWEEP_MS: positiveInt.min(1000).default(600_000),
  /**
   * A PEM file of extra CA certificates that dependency builds at upload trust besides the stack's
   * own (e.g. the CA of a TLS-inspecting proxy in front of npm or PyPI).
   */
  DOCKHAND_EXTRA_CA_CERTS: z.string().optional(),
  /**
   * Node's own extra-CA setting. When DOCKHAND_EXTRA_CA_CERTS is unset and this names a readable PEM
   * file, dependency builds trust it too: a server whose Node trusts a proxy builds through it as well.
   */
  NODE_EXTRA_CA_CERTS: z.string().optional(),
  /** Seconds a dependency build at upload may take before it is stopped and the upload fails. */
  DOCKHAND_BUILD_TIMEOUT: positiveInt.max(86_400).default(900),
  /** Memory (MB) of a dependency build container; its /task and /tmp (1 GiB each) count against it. */
  DOCKHAND_BUILD_MEMORY: positiveInt.min(256).max(65_536).default(3072),
  /** CPUs of a dependency build container. */
  DOCKHAND_BUILD_CPUS: z.coerce.number().positive().max(64).default(2),
  /** Dependency builds one server runs at once; further uploads that need one wait their turn. */
  DOCKHAND_BUILD_CONCURRENCY: positiveInt.max(64).default(2),
  /** Stack images provisioning builds at once; unset: one more than the CPUs, 2 to 4. */
  DOCKHAND_BUILD_PARALLEL: positiveInt.max(32).optional(),
  /** The Debian mirror the stack bases are bootstrapped from (host/debian-base.ts has the default). */
  DOCKHAND_DEBIAN_MIRROR: z.url().optional(),
  /** Largest task payload in bytes (IronWorker's 64 KiB by default); the request body limits follow it. */
  DOCKHAND_PAYLOAD_MAX_BYTES: positiveInt.max(16 * 1024 * 1024).default(LIMITS.payloadMaxBytes),
  /** Largest code package config in bytes. */
  DOCKHAND_CONFIG_MAX_BYTES: positiveInt.max(16 * 1024 * 1024).default(LIMITS.configMaxBytes),
  /** Largest code archive upload in bytes, as sent (compressed); unpacked sizes have their own caps. */
  DOCKHAND_ARCHIVE_MAX_BYTES: positiveInt.default(LIMITS.archiveMaxUploadBytes),
  /** API requests one token may make per rate window; 0 turns the limit off. */
  DOCKHAND_RATE_LIMIT: z.coerce.number().int().min(0).default(LIMITS.rateLimitRequests),
  /** Length of the rate window in seconds. */
  DOCKHAND_RATE_WINDOW_SECONDS: positiveInt.max(86_400).default(LIMITS.rateLimitWindowSeconds),
  /** Admin token for `POST /v1/projects` (and `dockhand projects create` over HTTP); unset: projects are created locally only. */
  DOCKHAND_ADMIN_TOKEN: z.string().min(16, 'an admin token needs at least 16 characters').optional(),
  /** A file holding the admin token (a Docker secret, /run/secrets/...); read at start. */
  DOCKHAND_ADMIN_TOKEN_FILE: z.string().optional(),
  /**
   * A project token the server makes sure opens the project DOCKHAND_PROJECT_ID ("default"), for
   * installations whose first project is decided ahead of time (`dockhand deploy swarm`).
   */
  DOCKHAND_PROJECT_TOKEN: z.string().min(16, 'a project token needs at least 16 characters').optional(),
  /** A file holding DOCKHAND_PROJECT_TOKEN (a Docker secret); read at start. */
  DOCKHAND_PROJECT_TOKEN_FILE: z.string().optional(),
  /** The id of the project DOCKHAND_PROJECT_TOKEN opens. */
  DOCKHAND_PROJECT_ID: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).default('default'),
  /** `off` keeps this server from firing schedules (every server fires them by default; one firing per occurrence either way). */
  DOCKHAND_SCHEDULER: z.enum(['on', 'off']).default('on'),
  /** The smallest `every` / `run_every` a schedule may have, in seconds (IronWorker enforced 60). */
  DOCKHAND_MIN_RUN_EVERY: positiveInt.default(60),
  /** Seconds an occurrence may be late and still fire as due; older ones follow the missed-run policy. */
  DOCKHAND_SCHEDULE_TOLERANCE: positiveInt.max(86_400).default(30),
  /** Log level of Dockhand's own structured logs. */
  DOCKHAND_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `json` (one object a line), `pretty` (aligned, for a terminal), or `auto`: pretty when stderr is a terminal. */
  DOCKHAND_LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  /** A worker-only process serves GET /metrics on this port (unset: no listener; 0: any free port). */
  DOCKHAND_METRICS_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  /** OpenTelemetry's standard switch: `true` turns tracing off (task records still get a trace id). */
  OTEL_SDK_DISABLED: z.string().optional().transform((v) => v?.trim().toLowerCase() === 'true'),
  /** Base URL of an OTLP/HTTP collector; spans go to `<endpoint>/v1/traces` as well as to the span store. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  /** Full URL for traces only; wins over OTEL_EXPORTER_OTLP_ENDPOINT. */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url().optional(),
  /** `service.name` of Dockhand's own spans. */
  OTEL_SERVICE_NAME: z.string().default('dockhand'),
});

export type Settings = z.infer<typeof SettingsSchema>;

/** Every variable the schema reads (README's settings table lists exactly these). */
export const SETTING_NAMES = Object.keys(SettingsSchema.shape) as (keyof Settings)[];

/** Settings that may instead be given as a file (`<NAME>_FILE`), the way Docker secrets arrive. */
export const FILE_SETTINGS = ['DOCKHAND_ADMIN_TOKEN', 'DOCKHAND_PROJECT_TOKEN'] as const;

/**
 * `readFile` reads `<NAME>_FILE` settings (a Docker secret); the file's content, without its trailing
 * newline, is the setting's value unless the setting itself is given too.
 */
export function parseSettings(env: Record<string, string | undefined>, readFile?: (file: string) => string): Settings {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  for (const name of FILE_SETTINGS) {
    const file = cleaned[`${name}_FILE`];
    if (file === undefined || cleaned[name] !== undefined || !readFile) continue;
    try {
      cleaned[name] = readFile(file).replace(/\r?\n$/, '');
    } catch (err) {
      throw new DhError('DH_ERR_CONFIG', `Setting ${name}_FILE names ${file}, which cannot be read: ${(err as Error).message}.`);
    }
  }
  const parsed = SettingsSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DhError('DH_ERR_CONFIG', `Setting ${issue.path.join('.')} is invalid: ${issue.message}.`);
  }
  return parsed.data;
}
