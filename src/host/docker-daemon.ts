/**
 * Makes sure a Docker engine answers. Uses DOCKER_HOST when set, else the local socket; when nothing
 * answers and we are root, starts `dockerd` detached (logging to <data dir>/dockerd.log) so it outlives
 * this process and later runs of `up` or the tests reuse it.
 *
 *   const { docker, dockerHost } = await ensureDocker({ dataDir, log });
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { DhError } from '../core/errors.ts';
import type { ProgressLog } from './progress.ts';
import { fileTail, findExecutable } from './run-command.ts';

const DEFAULT_SOCKET = '/var/run/docker.sock';
const DOCKERD_PIDFILE = '/var/run/docker.pid';

export interface EnsureDockerOptions {
  dataDir: string;
  log: ProgressLog;
  env?: Record<string, string | undefined>;
  /** How long a freshly started dockerd may take to answer. */
  startTimeoutMs?: number;
}

export interface DockerConnection {
  docker: Docker;
  /** The address in DOCKER_HOST form, for child processes and reports. */
  dockerHost: string;
  /** True when this call started dockerd. */
  started: boolean;
}

export async function ensureDocker(options: EnsureDockerOptions): Promise<DockerConnection> {
  const env = options.env ?? process.env;
  const configured = env.DOCKER_HOST;
  if (configured) {
    // dockerode reads DOCKER_HOST itself; an engine the user chose is never replaced by one of ours.
    const docker = new Docker();
    if (!(await answers(docker))) {
      throw new DhError('DH_ERR_DOCKER_UNAVAILABLE', `The Docker engine at DOCKER_HOST=${configured} does not answer; start it or unset DOCKER_HOST to use the local engine.`);
    }
    return { docker, dockerHost: configured, started: false };
  }

  const docker = new Docker({ socketPath: DEFAULT_SOCKET });
  const dockerHost = `unix://${DEFAULT_SOCKET}`;
  if (await answers(docker)) return { docker, dockerHost, started: false };

  const logFile = path.join(options.dataDir, 'dockerd.log');
  let dockerd: ChildProcess | undefined;
  if (!isProcessAlive(readPid(DOCKERD_PIDFILE))) dockerd = startDockerd(logFile, options.log);
  else options.log('dockerd is starting; waiting for it to answer');
  await waitUntilAnswering(docker, options.startTimeoutMs ?? 60_000, logFile, dockerd);
  options.log('Docker engine is ready');
  return { docker, dockerHost, started: true };
}

async function answers(docker: Docker, timeoutMs = 3000): Promise<boolean> {
  try {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('ping timed out')), timeoutMs); });
    try {
      await Promise.race([docker.ping(), timeout]);
    } finally {
      clearTimeout(timer);
    }
    return true;
  } catch {
    return false;
  }
}

function startDockerd(logFile: string, log: ProgressLog): ChildProcess {
  const dockerd = findExecutable('dockerd');
  if (!dockerd) {
    throw new DhError('DH_ERR_DOCKER_UNAVAILABLE', 'No Docker engine answers and dockerd is not installed; install docker.io (`apt-get install -y docker.io`) or set DOCKER_HOST.');
  }
  if (process.getuid?.() !== 0) {
    throw new DhError('DH_ERR_DOCKER_UNAVAILABLE', `No Docker engine answers at ${DEFAULT_SOCKET}; start it as root (\`sudo dockerd &\` or \`sudo systemctl start docker\`) or set DOCKER_HOST.`);
  }
  mkdirSync(path.dirname(logFile), { recursive: true });
  log(`starting dockerd (log: ${logFile})`);
  const fd = openSync(logFile, 'a');
  try {
    // Detached in its own session with no pipes to us, so it keeps running when this process exits.
    const child = spawn(dockerd, [], { detached: true, stdio: ['ignore', fd, fd] });
    child.unref();
    return child;
  } finally {
    closeSync(fd);
  }
}

async function waitUntilAnswering(docker: Docker, timeoutMs: number, logFile: string, dockerd: ChildProcess | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await answers(docker, 1000)) return;
    if (dockerd && dockerd.exitCode !== null) {
      throw new DhError('DH_ERR_DOCKER_UNAVAILABLE', `dockerd exited with code ${dockerd.exitCode} while starting; the end of ${logFile}:\n${fileTail(logFile, 15)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new DhError('DH_ERR_DOCKER_UNAVAILABLE', `dockerd did not answer within ${Math.round(timeoutMs / 1000)} s; the end of ${logFile}:\n${fileTail(logFile, 15)}`);
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function isProcessAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
