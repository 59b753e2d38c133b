/**
 * The dead-man's switch of a worker that itself runs in a container (DOCKHAND_WATCHDOG=container, as
 * in deploy/swarm/stack.yaml). A watchdog process inside the worker's container would die with it
 * (`docker kill`, an out-of-memory kill, a rolling update gone wrong) and leave the task containers
 * running on the engine. So the watchdog runs as a container of its own on the same engine, from the
 * worker's own image, running the same watchdog-main.ts with the same stdin protocol:
 *
 * - the worker attaches to the watchdog's stdin before starting it; the container has
 *   `StdinOnce`, so when the worker's connection to the engine closes (its container was killed), the
 *   engine closes the watchdog's stdin and the watchdog kills the node's task containers at once;
 * - the lease deadline it is told after each heartbeat covers a worker that is alive but stalled.
 *
 * It gets the engine socket (the same host path the worker has) and no network; it removes itself
 * when it exits. It is not a task container (no `dockhand.managed` label), so neither the reconciler
 * nor its own kill pass touches it.
 *
 *   const watchdog = await ContainerWatchdog.start(docker, 'node-a', logger);
 *   watchdog.renew(6000);  ...  await watchdog.bye();
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { DhError } from '../core/errors.ts';
import type { Logger } from '../telemetry/logger.ts';
import { watchdogNodeArguments, type DeadMansSwitch } from './watchdog.ts';

const SOCKET = '/var/run/docker.sock';

export class ContainerWatchdog implements DeadMansSwitch {
  private closing = false;

  private constructor(
    private readonly docker: Docker,
    private readonly spec: Docker.ContainerCreateOptions,
    private readonly logger: Logger,
    private stdin: Duplex,
  ) {
    this.watch();
  }

  /** Starts the watchdog container beside the worker's own; the worker must run in a container. */
  static async start(docker: Docker, nodeId: string, logger: Logger): Promise<ContainerWatchdog> {
    const self = await docker.getContainer(await ownContainerId()).inspect().catch(() => undefined);
    if (!self) {
      throw new DhError('DH_ERR_CONFIG', 'DOCKHAND_WATCHDOG=container needs the worker to run in a container on the engine it drives; use the default watchdog process otherwise.');
    }
    const socket = self.Mounts.find((mount) => mount.Destination === SOCKET)?.Source ?? SOCKET;
    const spec: Docker.ContainerCreateOptions = {
      name: `dockhand-watchdog-${nodeId}`,
      Image: self.Image,
      Entrypoint: ['/usr/bin/tini', '--', process.execPath, ...watchdogNodeArguments()],
      Cmd: [nodeId],
      User: '0:0',
      Env: [`DOCKER_HOST=unix://${SOCKET}`],
      Labels: { 'dockhand.watchdog': nodeId },
      AttachStdin: true,
      OpenStdin: true,
      StdinOnce: true,
      HostConfig: { Binds: [`${socket}:${SOCKET}`], AutoRemove: true, NetworkMode: 'none' },
    };
    return new ContainerWatchdog(docker, spec, logger, await launch(docker, spec));
  }

  renew(validForMs: number): void {
    this.stdin.write(`${JSON.stringify({ validForMs: Math.max(0, Math.round(validForMs)) })}\n`);
  }

  async bye(): Promise<void> {
    this.closing = true;
    const closed = new Promise<void>((resolve) => this.stdin.once('close', () => resolve()));
    this.stdin.end(`${JSON.stringify({ bye: true })}\n`);
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 3000))]);
  }

  /** A watchdog that went away while the worker lives is started again at once. */
  private watch(): void {
    this.stdin.once('close', () => {
      if (this.closing) return;
      this.logger.error({ container: this.spec.name }, 'watchdog container ended; starting it again');
      void launch(this.docker, this.spec).then((stdin) => {
        this.stdin = stdin;
        this.watch();
      }, (err: unknown) => this.logger.error({ err }, 'could not start the watchdog container again'));
    });
  }
}

/**
 * The id of the container this process runs in: the engine mounts the container's own hosts and
 * hostname files from its directory (`.../containers/<id>/hostname`), which holds with host
 * networking too, where the host name is the machine's; else the host name, which is the short id.
 */
async function ownContainerId(): Promise<string> {
  const mounts = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  return /\/containers\/([0-9a-f]{64})\/(?:hostname|hosts|resolv\.conf)/.exec(mounts)?.[1] ?? os.hostname();
}

/** Removes a leftover of the same node, creates the container, attaches to its stdin, starts it. */
async function launch(docker: Docker, spec: Docker.ContainerCreateOptions): Promise<Duplex> {
  await docker.getContainer(spec.name!).remove({ force: true }).catch(() => undefined);
  const container = await docker.createContainer(spec);
  const stdin = (await container.attach({ stream: true, stdin: true, stdout: false, stderr: false, hijack: true })) as unknown as Duplex;
  stdin.on('error', () => undefined);
  await container.start();
  return stdin;
}
