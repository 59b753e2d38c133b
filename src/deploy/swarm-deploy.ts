/**
 * `dockhand deploy swarm` on a Swarm manager (docs/deploy.md): builds what is missing (bases, stacks,
 * Dockhand's own images), deploys the in-swarm registry (deploy/swarm/registry.yaml), pushes every
 * image to it, deploys the stack (deploy/swarm/stack.yaml) with the tokens as Docker secrets, waits
 * until the API answers and a worker node runs, and writes credentials.json. `--down` removes it.
 *
 * The tokens live in Docker secrets (which cannot be read back) and in `<data dir>/swarm-<name>.json`
 * (mode 0600) on the machine that deployed, so a second deploy reuses them.
 *
 *   const result = await deploySwarm(docker, catalog, { name: 'dockhand', port: 8080, ... , log });
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { DhError } from '../core/errors.ts';
import { newId, newToken } from '../core/ids.ts';
import type { ProgressLog } from '../host/progress.ts';
import { runStreaming } from '../host/run-command.ts';
import { writeCredentials } from '../roles/default-project.ts';
import { ensureStacksBuilt } from '../stacks/build.ts';
import type { StackCatalog } from '../stacks/catalog.ts';
import { debianImageRef } from '../stacks/targets.ts';
import { pushImage, registryRef, waitForRegistry } from './registry-push.ts';
import { ensureServiceImage } from './service-images.ts';
import { ensureStateNode, swarmManager } from './swarm-node.ts';

const DEPLOY_DIR = fileURLToPath(new URL('../../deploy/swarm/', import.meta.url));

export interface SwarmDeployOptions {
  /** The stack's name (`docker stack ls`); also the prefix of its secrets. */
  name: string;
  port: number;
  registryPort: number;
  replicas: number;
  /** The stacks whose images are built and pushed (default: all). */
  stacks: readonly string[];
  dataDir: string;
  /** How long to wait for the API and a worker once deployed. */
  timeoutMs: number;
  log: ProgressLog;
}

export interface SwarmDeployResult {
  name: string;
  url: string;
  project_id: string;
  credentials: string;
  registry: string;
  images: Record<string, string>;
  seconds: number;
}

interface SwarmState {
  admin_token: string;
  project_token: string;
  project_id: string;
}

export async function deploySwarm(docker: Docker, catalog: StackCatalog, options: SwarmDeployOptions): Promise<SwarmDeployResult> {
  const started = Date.now();
  const { log, name } = options;
  const manager = await swarmManager(docker);
  await ensureStateNode(docker, manager, log);

  log('building what is missing');
  const [dockhand, registryImage, redis] = [
    await ensureServiceImage(docker, catalog, 'dockhand', { log }),
    await ensureServiceImage(docker, catalog, 'registry', { log }),
    await ensureServiceImage(docker, catalog, 'redis', { log }),
  ];
  const report = await ensureStacksBuilt(docker, catalog, options.stacks, { log: (line) => log(line) });

  const registry = `127.0.0.1:${options.registryPort}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DOCKHAND_REGISTRY_IMAGE: registryImage.ref,
    // The edge runs from the local image name in both steps, so the second step leaves it as it is.
    DOCKHAND_EDGE_IMAGE: dockhand.ref,
    DOCKHAND_REGISTRY_PORT: String(options.registryPort),
    DOCKHAND_PORT: String(options.port),
    DOCKHAND_REPLICAS: String(options.replicas),
    DOCKHAND_SECRET_PREFIX: name,
  };
  log(`deploying the registry and the edge of stack ${name} (ports ${options.registryPort} and ${options.port})`);
  await stackDeploy(name, ['registry.yaml'], env, log);
  await waitForRegistry(registry, options.timeoutMs, log);

  // Debian images and bases too: a node computes a stack's tag from the ids of the images below it.
  const toPush = [
    ...report.bases.map((base) => debianImageRef(base.release)),
    ...report.bases.map((base) => base.ref!),
    ...report.stacks.map((stack) => stack.ref!),
    dockhand.ref,
    redis.ref,
  ];
  for (const ref of toPush) {
    log(`pushing ${ref}`);
    await pushImage(docker, ref, registry);
  }

  const state = await swarmState(docker, options.dataDir, name);
  await ensureSecret(docker, `${name}_admin_token`, state.admin_token);
  await ensureSecret(docker, `${name}_project_token`, state.project_token);
  log(`deploying stack ${name}: ${options.replicas} API replicas on port ${options.port}, a worker on every node`);
  await stackDeploy(name, ['registry.yaml', 'stack.yaml'], {
    ...env,
    DOCKHAND_IMAGE: registryRef(registry, dockhand.ref),
    DOCKHAND_REDIS_IMAGE: registryRef(registry, redis.ref),
    DOCKHAND_PROJECT_ID: state.project_id,
  }, log);

  const url = `http://127.0.0.1:${options.port}`;
  await waitUntilServing(url, state.project_token, options.timeoutMs, log);
  const credentials = path.join(options.dataDir, 'credentials.json');
  writeCredentials(credentials, { url, project_id: state.project_id, token: state.project_token });
  log(`serving at ${url}; credentials in ${credentials}`);
  return {
    name,
    url,
    project_id: state.project_id,
    credentials,
    registry,
    images: { dockhand: dockhand.ref, registry: registryImage.ref, redis: redis.ref, ...Object.fromEntries(report.stacks.map((s) => [s.name, s.ref!])) },
    seconds: (Date.now() - started) / 1000,
  };
}

export interface SwarmDownOptions {
  name: string;
  /** Remove the data volumes (Redis, code, registry, worker caches) and the secrets too. */
  volumes: boolean;
  dataDir: string;
  log: ProgressLog;
}

/** `docker stack rm`, then (with `volumes`) the stack's volumes and secrets once nothing uses them. */
export async function removeSwarmStack(docker: Docker, options: SwarmDownOptions): Promise<{ removed: string[] }> {
  const { name, log } = options;
  await swarmManager(docker);
  const removed: string[] = [];
  log(`removing stack ${name}`);
  const rm1 = await runStreaming('docker', ['stack', 'rm', name], { onLine: log });
  if (rm1.code !== 0) throw new DhError('DH_ERR_DOCKER_UNAVAILABLE', `docker stack rm ${name} failed: ${rm1.tail.join(' ')}`);
  const namespace = `com.docker.stack.namespace=${name}`;
  const deadline = Date.now() + 120_000;
  while ((await docker.listContainers({ all: true, filters: { label: [namespace] } })).length > 0 || (await docker.listNetworks({ filters: { label: [namespace] } })).length > 0) {
    if (Date.now() > deadline) throw new DhError('DH_ERR_DOCKER_UNAVAILABLE', `The containers of stack ${name} were still there after 2 minutes; check \`docker ps -a --filter label=${namespace}\`.`);
    await sleep(1000);
  }
  if (!options.volumes) return { removed };
  for (const volume of (await docker.listVolumes({ filters: { label: [namespace] } })).Volumes ?? []) {
    await docker.getVolume(volume.Name).remove();
    removed.push(`volume ${volume.Name}`);
  }
  for (const secret of [`${name}_admin_token`, `${name}_project_token`]) {
    if (await docker.getSecret(secret).remove().then(() => true, () => false)) removed.push(`secret ${secret}`);
  }
  await rm(statePath(options.dataDir, name), { force: true });
  for (const item of removed) log(`removed ${item}`);
  return { removed };
}

async function stackDeploy(name: string, files: readonly string[], env: NodeJS.ProcessEnv, log: ProgressLog): Promise<void> {
  const args = ['stack', 'deploy', '--resolve-image', 'never', '--prune=false', ...files.flatMap((file) => ['-c', path.join(DEPLOY_DIR, file)]), name];
  const run = await runStreaming('docker', args, { env, onLine: (line) => log(`  ${line}`) });
  if (run.code !== 0) {
    throw new DhError('DH_ERR_DOCKER_UNAVAILABLE', `docker stack deploy of ${name} failed (exit ${run.code}):\n${run.tail.join('\n')}`);
  }
}

function statePath(dataDir: string, name: string): string {
  return path.join(dataDir, `swarm-${name}.json`);
}

/** The tokens of this deployment: this machine's copy, or new ones when the Swarm has none yet. */
async function swarmState(docker: Docker, dataDir: string, name: string): Promise<SwarmState> {
  const file = statePath(dataDir, name);
  const saved = await readFile(file, 'utf8').then((text) => JSON.parse(text) as SwarmState, () => undefined);
  if (saved) return saved;
  const existing = await docker.listSecrets({ filters: { name: [`${name}_project_token`] } });
  if (existing.some((secret) => secret.Spec?.Name === `${name}_project_token`)) {
    throw new DhError('DH_ERR_CONFIG', `The Swarm already holds the secrets of stack ${name}, but ${file} (this machine's copy of the tokens) is missing: deploy from the machine that deployed it first, or remove it with \`dockhand deploy swarm --down --volumes --name ${name}\`.`);
  }
  const state: SwarmState = { admin_token: newToken(), project_token: newToken(), project_id: newId() };
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return state;
}

async function ensureSecret(docker: Docker, name: string, value: string): Promise<void> {
  const existing = await docker.listSecrets({ filters: { name: [name] } });
  if (existing.some((secret) => secret.Spec?.Name === name)) return;
  await docker.createSecret({ Name: name, Data: Buffer.from(value).toString('base64'), Labels: { 'dockhand.secret': 'true' } });
}

/** Until the API answers with the project token and at least one worker node runs. */
async function waitUntilServing(url: string, token: string, timeoutMs: number, log: ProgressLog): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const step = await fetch(`${url}/v1/nodes`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(3000) })
      .then(async (answer) => {
        if (!answer.ok) return `the API answers ${answer.status}`;
        const { nodes } = (await answer.json()) as { nodes: Array<{ state: string }> };
        const running = nodes.filter((node) => node.state === 'running').length;
        return running > 0 ? 'ready' : 'the API answers; waiting for a worker node';
      }, () => 'waiting for the API');
    if (step === 'ready') return;
    if (step !== last) log(step);
    last = step;
    if (Date.now() > deadline) {
      throw new DhError('DH_ERR_DOCKER_UNAVAILABLE', `Stack deployed, but not serving within ${Math.round(timeoutMs / 1000)} s (${step}); see \`docker service ls\` and \`docker service logs\`.`);
    }
    await sleep(1000);
  }
}
