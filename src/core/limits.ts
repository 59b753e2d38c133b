/**
 * Default and maximum limits, in one place. Operators may raise maxima through settings; users may pick
 * any value within them per code package or task. IronWorker's limits are the reference defaults.
 */
export const MiB = 1024 * 1024;
export const KiB = 1024;

export const LIMITS = {
  /** Seconds a task may run before it is killed with SIGKILL and recorded as `timeout`. */
  timeoutDefault: 3600,
  timeoutMax: 86_400,
  /** Delay before a queued task becomes runnable: up to 7 days, as IronWorker allowed. */
  delayMax: 7 * 86_400,
  /** Memory per task in MiB; swap is set equal, so there is none. Docker's floor is 6 MiB. */
  memoryDefaultMb: 512,
  memoryMinMb: 16,
  memoryMaxMb: 16_384,
  cpusDefault: 1,
  cpusMax: 64,
  /** Processes and threads per container: the fork-bomb control. */
  pidsLimit: 256,
  /** Open files and the largest file a task may write, per process. */
  nofile: 1024,
  fsizeBytes: 1024 * MiB,
  /** The size caps of the writable tmpfs mounts; tmpfs pages also count against the memory limit. */
  tmpSizeBytes: 64 * MiB,
  taskDirSizeBytes: 1024 * MiB,
  shmSizeBytes: 16 * MiB,
  /**
   * Files (inodes) per tmpfs mount: without `nr_inodes` a tmpfs allows half the host's RAM pages, and
   * a storm of empty files costs kernel memory that no size cap counts. /task holds at most
   * archiveMaxEntries from the upload, with room for what the task writes there.
   */
  taskDirInodes: 131_072,
  tmpInodes: 32_768,
  runDirInodes: 256,
  /** Captured stdout+stderr per task; past it the container is killed and the log says so. */
  logCapBytes: 1 * MiB,
  payloadMaxBytes: 64 * KiB,
  configMaxBytes: 64 * KiB,
  resultMaxBytes: 1 * MiB,
  retriesMax: 10,
  batchMax: 100,
  /** Uploaded archives: checked while streaming, before anything is stored. */
  archiveMaxEntries: 20_000,
  archiveMaxFileBytes: 256 * MiB,
  archiveMaxTotalBytes: 512 * MiB,
  archiveMaxUploadBytes: 256 * MiB,
  archiveMaxNameBytes: 255 * 4,
  /**
   * API requests per token per window: generous (100 a second on average), so scripts, benchmarks and
   * the test suite never meet it, while a runaway client still does.
   */
  rateLimitRequests: 6000,
  rateLimitWindowSeconds: 60,
} as const;

export type Priority = 0 | 1 | 2;
