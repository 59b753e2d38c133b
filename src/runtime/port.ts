/**
 * The container runtime port: the only way an attempt touches its container. The Docker adapter
 * (`docker-runtime.ts`) implements it. (The worker's image resolution still takes a dockerode client;
 * .dependency-cruiser.cjs lists that exception.)
 */

export interface ContainerLimits {
  memoryBytes: number;
  nanoCpus: number;
  pidsLimit: number;
  nofile: number;
  fsizeBytes: number;
  tmpSizeBytes: number;
  taskDirSizeBytes: number;
  shmSizeBytes: number;
  /**
   * Size of the `/run/dockhand` tmpfs (payload, config, result file). Absent: the adapter derives it
   * from the default payload, config and result caps.
   */
  runDirSizeBytes?: number;
  /** Files (inodes) the /task and /tmp tmpfs mounts may hold; absent: the defaults of LIMITS. */
  taskDirInodes?: number;
  tmpInodes?: number;
}

export interface ContainerSpec {
  /** Deterministic: `dh-<task>-<attempt>`. A second create of the same name fails with a conflict. */
  name: string;
  image: string;
  /** argv of the task's command, run by the image's entry script after the code is in place. */
  cmd: string[];
  env: Record<string, string>;
  labels: Record<string, string>;
  limits: ContainerLimits;
  network: boolean;
  /** The Docker network a task with `network` joins; absent: the engine's default `bridge`. */
  networkName?: string;
  /** An OCI runtime other than the engine's default (e.g. gVisor's `runsc`). */
  runtime?: string;
  /** The resolvers a network-enabled task's DNS goes to (the only ones the egress policy lets through). */
  dns?: string[];
}

/** The task network as the egress policy needs it. */
export interface TaskNetworkFacts {
  id: string;
  bridge: string;
  subnets: string[];
}

export type OutputStream = 'stdout' | 'stderr';

export interface OutputChunk {
  stream: OutputStream;
  data: Buffer;
}

export interface ContainerExit {
  exitCode: number;
  oomKilled: boolean;
  /**
   * The engine's connection broke while the container ran (dockerd stopping or restarting), so the exit
   * was read from the container's state afterwards: the container most likely died with the daemon.
   */
  engineInterrupted?: boolean;
}

export interface ContainerSummary {
  id: string;
  name: string;
  labels: Record<string, string>;
  state: string;
}

/** A created container. Every method maps to one engine call; errors carry the container id. */
export interface ContainerHandle {
  readonly id: string;
  readonly name: string;
  /** Attach before start so no output is lost; `input` is the container's stdin. */
  attach(): Promise<{ input: NodeJS.WritableStream; output: AsyncIterable<OutputChunk> }>;
  start(): Promise<void>;
  /** Its IPv4 address on its network once started; undefined without one. */
  address(): Promise<string | undefined>;
  wait(): Promise<ContainerExit>;
  kill(): Promise<void>;
  remove(): Promise<void>;
  /** Gives the container a new name (a warm container takes its task's); a taken name is a DH_ERR_CONFLICT. */
  rename(name: string): Promise<void>;
}

/** The engine a node runs on: its own id (nodes sharing one engine see the same), version and memory. */
export interface EngineInfo {
  id: string;
  version: string;
  memoryBytes: number;
  /** Whether containers run in a remapped user namespace (dockerd --userns-remap). */
  usernsRemap?: boolean;
}

export interface ContainerRuntime {
  create(spec: ContainerSpec): Promise<ContainerHandle>;
  /** Every container carrying the given label (running or not). */
  list(label: string): Promise<ContainerSummary[]>;
  removeById(id: string): Promise<void>;
  imageExists(image: string): Promise<boolean>;
  ping(): Promise<void>;
  /** When a call to the engine last failed because it did not answer (epoch ms), if ever. */
  lastUnreachableAt?(): number | undefined;
  version(): Promise<string>;
  engine(): Promise<EngineInfo>;
}
