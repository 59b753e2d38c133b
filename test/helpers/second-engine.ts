/**
 * A second Docker engine on this machine, so "two hosts" in a test is real: its own dockerd with its
 * own configuration file, data root, exec root (and so its own containerd), socket and pid file, no
 * bridge network, and its own containerd namespace in case a system containerd is shared. Images are copied into it from
 * the main engine with `docker save | docker load`. Needs root and the dockerd binary, as the
 * project's test machine has. It runs in its own network namespace: a dockerd started with
 * `--bridge none` deletes the host's docker0 interface, which the main engine's builds and bridge
 * networking need.
 *
 *   const engine = await startSecondEngine({ images: ['dockhand-base:test'] });
 *   ... DOCKER_HOST = engine.dockerHost ...
 *   await engine.stop();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Dockerode from 'dockerode';
import { docker as mainDocker } from './docker.ts';

export interface SecondEngine {
  dockerHost: string;
  docker: Dockerode;
  /**
   * Restarts its dockerd as an operator's `systemctl restart docker` would: SIGTERM (running containers
   * die with it, there is no live-restore), then the same daemon again on the same socket and data.
   */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** `daemonArgs`: more dockerd flags, e.g. `--userns-remap=default` for an engine that remaps user namespaces. */
export async function startSecondEngine(options: { images: string[]; daemonArgs?: string[] }): Promise<SecondEngine> {
  // Unix socket paths are limited to 107 bytes: keep the directory short.
  const dir = await mkdtemp('/tmp/dhe-');
  // An engine with --userns-remap keeps its data as the remapped root, which must be able to traverse here.
  await chmod(dir, 0o711);
  const socket = path.join(dir, 'docker.sock');
  const namespace = `dhtest${randomBytes(3).toString('hex')}`;
  // Its own (empty) configuration: the machine's daemon.json may name hosts or a data root.
  await writeFile(path.join(dir, 'daemon.json'), '{}\n');
  const daemon = (): ChildProcess => spawn(
    'unshare',
    [
      '--net',
      '--',
      'dockerd',
      '--config-file', path.join(dir, 'daemon.json'),
      '--data-root', path.join(dir, 'data'),
      '--exec-root', path.join(dir, 'exec'),
      '-H', `unix://${socket}`,
      '--pidfile', path.join(dir, 'docker.pid'),
      '--bridge', 'none',
      '--iptables=false',
      '--ip-masq=false',
      '--containerd-namespace', namespace,
      '--containerd-plugins-namespace', `${namespace}-plugins`,
      '--log-level', 'warn',
      ...(options.daemonArgs ?? []),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  let child!: ChildProcess;
  let exited!: Promise<void>;
  const launch = (): void => {
    child = daemon();
    child.stderr?.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString('utf8')).slice(-100_000);
    });
    exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  };
  launch();
  const docker = new Dockerode({ socketPath: socket });
  const answered = async (): Promise<void> => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await docker.ping();
        return;
      } catch {
        if (child.exitCode !== null) throw new Error(`the second dockerd exited:\n${log}`);
        if (Date.now() > deadline) throw new Error(`the second dockerd did not answer within 60 s:\n${log}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  };
  const restart = async (): Promise<void> => {
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(killer);
    launch();
    await answered();
  };

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      for (const c of await docker.listContainers({ all: true }).catch(() => [])) {
        await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
      }
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(killer);
    }
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  };

  try {
    await answered();
    for (const image of options.images) await copyImage(image, docker);
  } catch (err) {
    await stop();
    throw err;
  }
  return { dockerHost: `unix://${socket}`, docker, restart, stop };
}

/** `docker save IMAGE | DOCKER_HOST=other docker load`, through the engines' APIs (every tag of the image included). */
export async function copyImage(image: string, target: Dockerode): Promise<void> {
  const saved = await mainDocker().getImage(image).get();
  const loading = await target.loadImage(saved);
  await new Promise<void>((resolve, reject) => {
    target.modem.followProgress(loading, (err: Error | null) => (err ? reject(err) : resolve()));
  });
  await target.getImage(image).inspect();
}
