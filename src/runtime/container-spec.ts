/**
 * Turns one task attempt into the ContainerSpec the runtime creates: name, argv, environment, labels
 * and limits. Pure: no Docker, no clock. The contract variables are written after the code's own
 * env_vars, so a code package can never redirect TASK_DIR, PAYLOAD_FILE or RESULT_FILE.
 *
 *   const spec = buildContainerSpec({ taskId, attempt: 1, projectId, codeName: 'hello', nodeId,
 *     image: 'dockhand-node-20:3f9c', command: 'node index.js', envVars: {}, memoryMb: 256, cpus: 1,
 *     network: false });
 */
import { containerName } from '../core/ids.ts';
import { DhError } from '../core/errors.ts';
import { LIMITS, MiB } from '../core/limits.ts';
import type { ContainerLimits, ContainerSpec } from './port.ts';

/** Where the in-container contract puts things; the base image's entry script agrees. */
export const TASK_DIR = '/task';
export const RUN_DIR = '/run/dockhand';
export const PAYLOAD_FILE = `${RUN_DIR}/payload.json`;
export const CONFIG_FILE = `${RUN_DIR}/config.json`;
export const RESULT_FILE = `${RUN_DIR}/result.json`;

/** Every container Dockhand creates carries this label, so the reconciler can list them all. */
export const MANAGED_LABEL = 'dockhand.managed';

export const LABELS = {
  managed: MANAGED_LABEL,
  task: 'dockhand.task',
  attempt: 'dockhand.attempt',
  node: 'dockhand.node',
  project: 'dockhand.project',
  code: 'dockhand.code',
  /** A warm container's class (worker/warm-spec.ts); it has no task labels, its name tells the task once handed one. */
  warm: 'dockhand.warm',
} as const;

/** Room in `/run/dockhand` beyond the payload, config and result caps (file system overhead). */
const RUN_DIR_SLACK_BYTES = 1 * MiB;

/** The operator-tunable limits a spec may override; anything absent falls back to LIMITS. */
export interface LimitOverrides {
  pidsLimit: number;
  nofile: number;
  fsizeBytes: number;
  tmpSizeBytes: number;
  taskDirSizeBytes: number;
  shmSizeBytes: number;
  payloadMaxBytes: number;
  configMaxBytes: number;
  resultMaxBytes: number;
}

export interface ContainerSpecInput {
  taskId: string;
  attempt: number;
  projectId: string;
  codeName: string;
  nodeId: string;
  image: string;
  /** The command as a shell line, run by `/bin/sh -c` after the code is in place. */
  command: string;
  /** The code package's env_vars. */
  envVars: Record<string, string>;
  memoryMb: number;
  cpus: number;
  network: boolean;
  /** The Docker network for a task with `network` (the worker's DOCKHAND_TASK_NETWORK). */
  networkName?: string;
  scheduleId?: string;
  /** W3C trace context handed to the task so user code can continue the trace. */
  traceparent?: string;
  /** An OCI runtime other than the engine's default (e.g. `runsc`). */
  runtime?: string;
  limits?: Partial<LimitOverrides>;
}

/** Size of the `/run/dockhand` tmpfs for the given caps. */
export function runDirSizeBytes(caps: Pick<LimitOverrides, 'payloadMaxBytes' | 'configMaxBytes' | 'resultMaxBytes'>): number {
  return caps.payloadMaxBytes + caps.configMaxBytes + caps.resultMaxBytes + RUN_DIR_SLACK_BYTES;
}

export function buildContainerSpec(input: ContainerSpecInput): ContainerSpec {
  const caps: LimitOverrides = {
    pidsLimit: input.limits?.pidsLimit ?? LIMITS.pidsLimit,
    nofile: input.limits?.nofile ?? LIMITS.nofile,
    fsizeBytes: input.limits?.fsizeBytes ?? LIMITS.fsizeBytes,
    tmpSizeBytes: input.limits?.tmpSizeBytes ?? LIMITS.tmpSizeBytes,
    taskDirSizeBytes: input.limits?.taskDirSizeBytes ?? LIMITS.taskDirSizeBytes,
    shmSizeBytes: input.limits?.shmSizeBytes ?? LIMITS.shmSizeBytes,
    payloadMaxBytes: input.limits?.payloadMaxBytes ?? LIMITS.payloadMaxBytes,
    configMaxBytes: input.limits?.configMaxBytes ?? LIMITS.configMaxBytes,
    resultMaxBytes: input.limits?.resultMaxBytes ?? LIMITS.resultMaxBytes,
  };
  checkPositive(input, caps);

  const limits: ContainerLimits = {
    memoryBytes: Math.round(input.memoryMb * MiB),
    nanoCpus: Math.round(input.cpus * 1e9),
    pidsLimit: caps.pidsLimit,
    nofile: caps.nofile,
    fsizeBytes: caps.fsizeBytes,
    tmpSizeBytes: caps.tmpSizeBytes,
    taskDirSizeBytes: caps.taskDirSizeBytes,
    shmSizeBytes: caps.shmSizeBytes,
    runDirSizeBytes: runDirSizeBytes(caps),
  };

  const spec: ContainerSpec = {
    name: containerName(input.taskId, input.attempt),
    image: input.image,
    cmd: ['/bin/sh', '-c', input.command],
    env: taskEnv(input),
    labels: {
      [LABELS.managed]: 'true',
      [LABELS.task]: input.taskId,
      [LABELS.attempt]: String(input.attempt),
      [LABELS.node]: input.nodeId,
      [LABELS.project]: input.projectId,
      [LABELS.code]: input.codeName,
    },
    limits,
    network: input.network,
  };
  if (input.runtime !== undefined) spec.runtime = input.runtime;
  if (input.network && input.networkName !== undefined) spec.networkName = input.networkName;
  return spec;
}

/** The code's env vars, then the contract's, which win on a clash. */
function taskEnv(input: ContainerSpecInput): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.envVars)) {
    checkEnvVar(name, value);
    env[name] = value;
  }
  // Delete first so the contract variables also come last in insertion order.
  const contract: Record<string, string> = {
    TASK_ID: input.taskId,
    TASK_DIR,
    PAYLOAD_FILE,
    CONFIG_FILE,
    RESULT_FILE,
  };
  if (input.scheduleId !== undefined) contract.SCHEDULE_ID = input.scheduleId;
  if (input.traceparent !== undefined) contract.TRACEPARENT = input.traceparent;
  for (const [name, value] of Object.entries(contract)) {
    delete env[name];
    env[name] = value;
  }
  return env;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function checkEnvVar(name: string, value: string): void {
  if (!ENV_NAME.test(name)) {
    throw new DhError('DH_ERR_VALIDATION', `Environment variable name "${name}" is not allowed: use letters, digits and underscores, not starting with a digit.`, { field: 'env_vars', name });
  }
  if (value.includes('\0')) {
    throw new DhError('DH_ERR_VALIDATION', `Environment variable ${name} contains a NUL byte, which no process environment can hold.`, { field: 'env_vars', name });
  }
}

function checkPositive(input: ContainerSpecInput, caps: LimitOverrides): void {
  const numbers: Record<string, number> = { memoryMb: input.memoryMb, cpus: input.cpus, attempt: input.attempt, ...caps };
  for (const [field, value] of Object.entries(numbers)) {
    if (!Number.isFinite(value) || value <= 0) {
      throw new DhError('DH_ERR_VALIDATION', `Container limit ${field} must be a positive number, got ${value}.`, { field });
    }
  }
  if (input.command.trim() === '') {
    throw new DhError('DH_ERR_VALIDATION', 'The task has no command to run: set the code package command or use a stack with a run command.', { field: 'command' });
  }
}
