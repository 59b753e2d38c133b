/**
 * The Docker adapter of the ContainerRuntime port, over dockerode. It creates every task container
 * with the isolation defaults of `create-options.ts`, inspects it and refuses one whose limits the
 * engine dropped, streams stdin/stdout/stderr over one hijacked attach connection, and removes
 * containers with retries because removal is where engines most often stumble.
 *
 *   const runtime = new DockerRuntime();            // DOCKER_HOST or the local socket
 *   const handle = await runtime.create(spec);
 *   const { input, output } = await handle.attach();
 *   await handle.start();
 */
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import Dockerode from 'dockerode';
import { DhError } from '../core/errors.ts';
import { createOptions } from './create-options.ts';
import { dockerError, engineMessage, isEngineUnreachable, isNotFound, isNotRunning, isRemovalBusy, statusOf } from './docker-errors.ts';
import { FrameDemuxer } from './frame-demux.ts';
import { ICC_OPTION, taskNetworkCreateOptions, taskNetworkProblem } from './task-network.ts';
import { findDroppedLimits, refusalMessage } from './limits-check.ts';
import type { ContainerExit, ContainerHandle, ContainerRuntime, ContainerSpec, ContainerSummary, EngineInfo, OutputChunk, TaskNetworkFacts } from './port.ts';

/** Removal retries: 5 attempts, 100 ms doubling, about 1.5 s in all before giving up. */
const REMOVE_ATTEMPTS = 5;
/** How often a waiting attempt also reads its container's state (see wait()). */
const WAIT_POLL_MS = 3000;
/** How long an engine may not answer a waiting attempt before the wait fails. */
const WAIT_ENGINE_GONE_MS = 60_000;
const REMOVE_FIRST_DELAY_MS = 100;

export class DockerRuntime implements ContainerRuntime {
  private readonly docker: Dockerode;
  private unreachableAt: number | undefined;

  /** Without an argument dockerode reads DOCKER_HOST (and DOCKER_TLS_VERIFY, DOCKER_CERT_PATH). */
  constructor(docker?: Dockerode) {
    this.docker = docker ?? new Dockerode();
    // Every request of this client and its containers goes through the modem's dial: note when the
    // engine did not answer one, so a failed attempt can tell a dockerd restart from its task failing.
    const modem = this.docker.modem as unknown as { dial?: (options: unknown, callback: (err: unknown, data: unknown) => void) => unknown };
    const dial = modem.dial?.bind(modem);
    if (dial) {
      modem.dial = (options, callback) => dial(options, (err, data) => {
        if (err && isEngineUnreachable(err)) this.unreachableAt = Date.now();
        callback(err, data);
      });
    }
  }

  lastUnreachableAt(): number | undefined {
    return this.unreachableAt;
  }

  async create(spec: ContainerSpec): Promise<ContainerHandle> {
    let container: Dockerode.Container;
    try {
      container = await this.docker.createContainer(createOptions(spec));
    } catch (err) {
      if (statusOf(err) === 409) {
        throw new DhError(
          'DH_ERR_CONFLICT',
          `Container ${spec.name} already exists: another run of this task attempt holds the name.`,
          { op: 'create', container: spec.name, image: spec.image, status: 409, engine: engineMessage(err) },
        );
      }
      throw dockerError(err, { op: 'create', container: spec.name, image: spec.image });
    }

    let missing: string[];
    let inspected: Awaited<ReturnType<Dockerode.Container['inspect']>>;
    try {
      inspected = await container.inspect();
      missing = findDroppedLimits(spec, inspected);
    } catch (err) {
      await removeWithRetry(container, spec.name).catch(() => undefined);
      throw dockerError(err, { op: 'inspect', container: spec.name, id: container.id, image: spec.image });
    }
    if (missing.length > 0) {
      await removeWithRetry(container, spec.name).catch(() => undefined);
      throw new DhError(
        'DH_ERR_CONTAINER_LIMITS',
        refusalMessage(spec, missing, inspected),
        { container: spec.name, image: spec.image, missing },
      );
    }
    return new DockerContainerHandle(container, spec.name, spec.image);
  }

  async list(label: string): Promise<ContainerSummary[]> {
    try {
      const found = await this.docker.listContainers({ all: true, filters: { label: [label] } });
      return found.map((c) => ({
        id: c.Id,
        name: (c.Names[0] ?? '').replace(/^\//, ''),
        labels: c.Labels,
        state: c.State,
      }));
    } catch (err) {
      throw dockerError(err, { op: `list (label ${label})` });
    }
  }

  async removeById(id: string): Promise<void> {
    await removeWithRetry(this.docker.getContainer(id), id);
  }

  async imageExists(image: string): Promise<boolean> {
    try {
      await this.docker.getImage(image).inspect();
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw dockerError(err, { op: 'image inspect', image });
    }
  }

  async ping(): Promise<void> {
    try {
      await this.docker.ping();
    } catch (err) {
      const wrapped = dockerError(err, { op: 'ping' });
      throw wrapped.code === 'DH_ERR_DOCKER_UNAVAILABLE'
        ? wrapped
        : new DhError('DH_ERR_DOCKER_UNAVAILABLE', `The Docker engine did not answer a ping: ${wrapped.message}`, wrapped.details);
    }
  }

  /**
   * Makes sure the network for network-enabled tasks exists and keeps containers apart: created if
   * missing (another worker creating it at the same moment is fine), refused if it lets containers
   * talk to each other. An operator may name Docker's own `bridge` only by accepting that risk here.
   */
  async ensureTaskNetwork(name: string): Promise<void> {
    const network = this.docker.getNetwork(name);
    type Found = { Name?: string; Driver?: string; Options?: Record<string, string> | null };
    let found: Found | undefined;
    try {
      found = (await network.inspect());
    } catch (err) {
      if (!isNotFound(err)) throw dockerError(err, { op: `network inspect ${name}` });
    }
    if (found === undefined) {
      try {
        await this.docker.createNetwork(taskNetworkCreateOptions(name));
        return;
      } catch (err) {
        if (statusOf(err) !== 409) throw dockerError(err, { op: `network create ${name}` });
        found = (await network.inspect());
      }
    }
    const problem = found ? taskNetworkProblem(found) : undefined;
    if (problem !== undefined) {
      throw new DhError(
        'DH_ERR_CONFIG',
        `Setting DOCKHAND_TASK_NETWORK is invalid: the Docker network "${name}" is not fit for tasks: ${problem}. Name a network Dockhand may create (the default is dockhand-tasks), or recreate this one with -o ${ICC_OPTION}=false.`,
        { setting: 'DOCKHAND_TASK_NETWORK', network: name },
      );
    }
  }

  /** The task network's id, Linux bridge and IPv4 subnets, for the egress policy (ensureTaskNetwork first). */
  async taskNetworkFacts(name: string): Promise<TaskNetworkFacts> {
    type Inspected = { Id: string; Options?: Record<string, string> | null; IPAM?: { Config?: Array<{ Subnet?: string }> | null } };
    let found: Inspected;
    try {
      found = (await this.docker.getNetwork(name).inspect());
    } catch (err) {
      throw dockerError(err, { op: `network inspect ${name}` });
    }
    return {
      id: found.Id,
      // Docker names a bridge br-<first 12 hex of the id> unless the network was made with a name option.
      bridge: found.Options?.['com.docker.network.bridge.name'] ?? `br-${found.Id.slice(0, 12)}`,
      subnets: (found.IPAM?.Config ?? []).map((c) => c.Subnet ?? '').filter((subnet) => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(subnet)),
    };
  }

  /** The OCI runtimes registered with the engine (`runc`, and `runsc` where gVisor is installed). */
  async runtimes(): Promise<string[]> {
    try {
      const info = (await this.docker.info()) as { Runtimes?: Record<string, unknown> };
      return Object.keys(info.Runtimes ?? {});
    } catch (err) {
      throw dockerError(err, { op: 'info' });
    }
  }

  async version(): Promise<string> {
    try {
      return (await this.docker.version()).Version;
    } catch (err) {
      throw dockerError(err, { op: 'version' });
    }
  }

  async engine(): Promise<EngineInfo> {
    try {
      const info = (await this.docker.info()) as { ID?: string; ServerVersion?: string; MemTotal?: number; SecurityOptions?: string[] };
      const usernsRemap = (info.SecurityOptions ?? []).some((opt) => opt.includes('name=userns'));
      return { id: info.ID ?? '', version: info.ServerVersion ?? '', memoryBytes: info.MemTotal ?? 0, usernsRemap };
    } catch (err) {
      throw dockerError(err, { op: 'info' });
    }
  }
}

/** One created container. Exported so tests can wrap a container made outside `create`. */
export class DockerContainerHandle implements ContainerHandle {
  readonly id: string;

  constructor(
    private readonly container: Dockerode.Container,
    public name: string,
    private readonly image: string,
  ) {
    this.id = container.id;
  }

  async attach(): Promise<{ input: NodeJS.WritableStream; output: AsyncIterable<OutputChunk> }> {
    let socket: Duplex;
    try {
      // hijack: one raw connection carries stdin up and the multiplexed stdout/stderr down.
      socket = (await this.container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as Duplex;
    } catch (err) {
      throw dockerError(err, { op: 'attach', container: this.name, id: this.id, image: this.image });
    }
    return { input: socket, output: demultiplex(socket, this.name) };
  }

  async start(): Promise<void> {
    try {
      await this.container.start();
    } catch (err) {
      throw dockerError(err, { op: 'start', container: this.name, id: this.id, image: this.image });
    }
  }

  async address(): Promise<string | undefined> {
    try {
      const info = await this.container.inspect();
      const networks = Object.values(info.NetworkSettings.Networks ?? {});
      return networks.map((n) => n.IPAddress).find((ip) => typeof ip === 'string' && ip !== '');
    } catch (err) {
      throw dockerError(err, { op: 'inspect', container: this.name, id: this.id, image: this.image });
    }
  }

  /**
   * The container's exit. The wait request alone is not enough when the engine restarts: its
   * connection breaks (an error) or, when the answer's headers had come, hangs for ever. So the
   * container's state is also polled: an exit the wait does not report within a poll, or a wait or
   * inspect the engine did not answer, is read from the state once the engine answers again and
   * marked `engineInterrupted`. An engine that stays away for WAIT_ENGINE_GONE_MS is an error.
   */
  async wait(): Promise<ContainerExit> {
    let interrupted = false;
    let settled = false;
    type Ended = { kind: 'waited'; code: number } | { kind: 'state'; code: number; oomKilled: boolean } | { kind: 'failed'; err: unknown };
    const waited: Promise<Ended> = (this.container.wait({ condition: 'not-running' }) as Promise<{ StatusCode: number }>).then(
      (w) => ({ kind: 'waited', code: w.StatusCode }),
      (err: unknown) => ({ kind: 'failed', err }),
    );
    const polled = (async (): Promise<Ended> => {
      let unreachableSince: number | undefined;
      let exitedSeen = false;
      for (;;) {
        await sleep(WAIT_POLL_MS);
        if (settled) return { kind: 'failed', err: new Error('settled') };
        try {
          const info = await this.container.inspect();
          unreachableSince = undefined;
          const state = info.State;
          if (state.Status === 'exited' || state.Status === 'dead') {
            // A healthy wait answers at once; one still silent a poll after the exit is broken.
            if (exitedSeen || interrupted) {
              interrupted = true;
              return { kind: 'state', code: state.ExitCode, oomKilled: state.OOMKilled };
            }
            exitedSeen = true;
          }
        } catch (err) {
          if (isNotFound(err)) return { kind: 'failed', err };
          if (!isEngineUnreachable(err)) continue;
          interrupted = true;
          unreachableSince ??= Date.now();
          if (Date.now() - unreachableSince > WAIT_ENGINE_GONE_MS) return { kind: 'failed', err };
        }
      }
    })();
    try {
      let ended = await Promise.race([waited, polled]);
      if (ended.kind === 'failed' && isEngineUnreachable(ended.err)) {
        // The wait's connection broke with the daemon: the state says how the container ended.
        interrupted = true;
        ended = await polled;
      }
      if (ended.kind === 'failed') throw ended.err;
      if (ended.kind === 'state') return { exitCode: ended.code, oomKilled: ended.oomKilled, engineInterrupted: true };
      // OOMKilled is only in the container state, not in the wait answer.
      const info = await this.container.inspect();
      return { exitCode: ended.code, oomKilled: info.State.OOMKilled, ...(interrupted ? { engineInterrupted: true } : {}) };
    } catch (err) {
      throw dockerError(err, { op: 'wait', container: this.name, id: this.id, image: this.image });
    } finally {
      settled = true;
    }
  }

  async kill(): Promise<void> {
    try {
      await this.container.kill({ signal: 'SIGKILL' });
    } catch (err) {
      if (isNotFound(err) || isNotRunning(err)) return;
      throw dockerError(err, { op: 'kill', container: this.name, id: this.id, image: this.image });
    }
  }

  async remove(): Promise<void> {
    await removeWithRetry(this.container, this.name);
  }

  async rename(name: string): Promise<void> {
    try {
      await this.container.rename({ name });
    } catch (err) {
      if (statusOf(err) === 409) {
        throw new DhError('DH_ERR_CONFLICT', `Container ${name} already exists: another run of this task attempt holds the name.`, { op: 'rename', container: this.name, to: name, id: this.id, status: 409, engine: engineMessage(err) });
      }
      throw dockerError(err, { op: `rename to ${name}`, container: this.name, id: this.id, image: this.image });
    }
    this.name = name;
  }
}

/** Force-removes a container; "already gone" is success, "busy" is retried with back-off. */
async function removeWithRetry(container: Dockerode.Container, label: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await container.remove({ force: true, v: true });
      return;
    } catch (err) {
      if (isNotFound(err)) return;
      if (attempt >= REMOVE_ATTEMPTS || !isRemovalBusy(err)) {
        throw dockerError(err, { op: `remove (attempt ${attempt})`, container: label, id: container.id });
      }
      await sleep(REMOVE_FIRST_DELAY_MS * 2 ** (attempt - 1));
    }
  }
}

/**
 * The attach socket's frames as chunks. A reset after the container exited is how some engines close
 * the connection, so it ends the stream rather than failing it; the runner's exit status says the rest.
 */
async function* demultiplex(socket: Duplex, name: string): AsyncGenerator<OutputChunk> {
  const demux = new FrameDemuxer();
  try {
    for await (const bytes of socket) yield* demux.push(bytes as Buffer);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ECONNRESET' || code === 'EPIPE') return;
    throw dockerError(err, { op: 'attach read', container: name });
  }
}
