/**
 * What makes a warm container: its class (the part of a task's container spec a warm container must
 * match exactly: image, every limit, network and resolvers, OCI runtime), the spec it is created with before any
 * task is known, and the start script that hands it a task's command and environment over stdin.
 * Pure. See docs/architecture.md "Warm, single-use containers".
 *
 *   const key = warmClassKey(taskSpec);                       // same key: same isolation
 *   const spec = warmContainerSpec(taskSpec, 'node-1');        // dh-warm-…, no task in it
 *   const script = startScript(taskSpec);                      // sent as run/dockhand/start
 */
import { createHash, randomBytes } from 'node:crypto';
import { CONFIG_FILE, LABELS, PAYLOAD_FILE, RESULT_FILE, RUN_DIR, TASK_DIR } from '../runtime/container-spec.ts';
import type { ContainerSpec } from '../runtime/port.ts';

/** Label of every warm container: its class key. A handed one keeps it, and its name says the task. */
export const WARM_LABEL = LABELS.warm;
/** Names of warm containers not yet handed a task. */
export const WARM_NAME_PREFIX = 'dh-warm-';
/** Where the start script lands (a tmpfs the task's stdin fills), and how a warm container runs it. */
export const START_SCRIPT = `${RUN_DIR}/start`;
const WARM_CMD = ['/bin/sh', START_SCRIPT];

/** The class of a task's container: two specs with the same key get identical containers. */
export function warmClassKey(spec: ContainerSpec): string {
  const isolation = { image: spec.image, limits: spec.limits, network: spec.network, networkName: spec.networkName ?? null, dns: spec.dns ?? null, runtime: spec.runtime ?? null };
  return createHash('sha256').update(JSON.stringify(isolation, Object.keys(isolation).sort())).update(JSON.stringify(spec.limits)).digest('hex').slice(0, 16);
}

/**
 * The container a pool starts ahead of demand for the class of `template`: the same image, limits,
 * network and runtime; the contract's fixed paths in its environment and nothing of any task.
 */
export function warmContainerSpec(template: ContainerSpec, nodeId: string): ContainerSpec {
  const spec: ContainerSpec = {
    name: `${WARM_NAME_PREFIX}${randomBytes(8).toString('hex')}`,
    image: template.image,
    cmd: WARM_CMD,
    env: { TASK_DIR, PAYLOAD_FILE, CONFIG_FILE, RESULT_FILE },
    labels: { [LABELS.managed]: 'true', [LABELS.node]: nodeId, [WARM_LABEL]: warmClassKey(template) },
    limits: template.limits,
    network: template.network,
  };
  if (template.networkName !== undefined) spec.networkName = template.networkName;
  if (template.runtime !== undefined) spec.runtime = template.runtime;
  // A network-enabled task's resolvers are part of its egress policy: a warm container has the same.
  if (template.dns !== undefined) spec.dns = template.dns;
  return spec;
}

/**
 * The shell script a warm container runs once its task is unpacked: the task's command with the
 * task's environment (the package's env vars, then the contract's, as a cold container gets them).
 * `env` takes any variable name a package may use (a shell's `export` would refuse `a.b`), and every
 * word is single-quoted, so no value is ever parsed by the shell.
 */
export function startScript(spec: ContainerSpec): string {
  const assignments = Object.entries(spec.env).map(([name, value]) => quote(`${name}=${value}`));
  return `exec env -- ${[...assignments, ...spec.cmd.map(quote)].join(' ')}\n`;
}

function quote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
