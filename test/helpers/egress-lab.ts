/**
 * A small internet of the test's own making, for the egress policy (docs/security.md "Egress"): a
 * "host" network namespace with its own Docker engine (iptables on, as a real host's), and an
 * "outside" namespace routed from it, which serves, on port 80 of each of its addresses, a line naming
 * the address, and answers DNS (any name: PUBLIC_WEB) on port 53:
 *
 *   PUBLIC_WEB 198.51.100.10   a documentation range, routed as if it were the public internet
 *   ROGUE_DNS  198.51.100.53   a resolver Dockhand did not configure
 *   PRIVATE    10.123.0.10     a private service
 *   ALLOWED    10.123.0.20     a private service a package allow-lists
 *   RESOLVER   10.123.0.53     the resolver Dockhand configures (DOCKHAND_TASK_DNS)
 *   METADATA   169.254.169.254 a cloud metadata service
 *
 * The host namespace also runs services of its own bound to 0.0.0.0. Nothing leaves these namespaces:
 * the host namespace's only route is the outside one. Needs root, ip(8), nsenter(1), iptables and dockerd.
 *
 *   const lab = await startEgressLab({ images: ['dockhand/stack-default:latest'] });
 *   ... startWorkerRole(ctx, { docker: lab.docker, egressFirewall: lab.firewall }) ...
 *   await lab.restartEngine();
 *   await lab.stop();
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import Dockerode from 'dockerode';
import { IptablesEgress, runCommand, type CommandRunner } from '../../src/host/egress/iptables.ts';
import type { EgressNetwork } from '../../src/host/egress/rules.ts';
import { copyImage } from './second-engine.ts';

const run = promisify(execFile);

export const LAB = {
  PUBLIC_WEB: '198.51.100.10',
  ROGUE_DNS: '198.51.100.53',
  PRIVATE: '10.123.0.10',
  ALLOWED: '10.123.0.20',
  RESOLVER: '10.123.0.53',
  METADATA: '169.254.169.254',
  /** The host namespace's own address on its uplink. */
  HOST_UPLINK: '198.18.0.1',
} as const;

export interface EgressLab {
  docker: Dockerode;
  dockerHost: string;
  hostNs: string;
  /** The firewall of the lab's host: iptables run inside its namespace. */
  firewall: (network: EgressNetwork) => IptablesEgress;
  /** Runs a program inside the host namespace. */
  runInHost: CommandRunner;
  /** Starts a long-running process inside the host namespace; stopped with the lab. */
  spawnInHost(program: string, args: string[], env?: NodeJS.ProcessEnv): ChildProcess;
  /** Stops the lab's dockerd and starts it again on the same data (a restart, as an upgrade does). */
  restartEngine(): Promise<void>;
  stop(): Promise<void>;
}

/** The outside namespace's servers: a line naming the local address on TCP 80, DNS on UDP and TCP 53. */
const OUTSIDE_SERVERS = `
const net = require('node:net');
const dgram = require('node:dgram');
net.createServer((s) => { s.end('served-by ' + s.localAddress.replace('::ffff:', '') + '\\n'); }).listen(80, '0.0.0.0');
function answer(query) {
  // Header: same id, QR+RD+RA, one question, one answer; the question as asked; an A record.
  const header = Buffer.from(query.subarray(0, 12));
  header.writeUInt16BE(0x8180, 2); header.writeUInt16BE(1, 4); header.writeUInt16BE(1, 6); header.writeUInt32BE(0, 8);
  let end = 12; while (query[end] !== 0) end += query[end] + 1; end += 5;
  const a = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 198, 51, 100, 10]);
  return Buffer.concat([header, query.subarray(12, end), a]);
}
const udp = dgram.createSocket('udp4');
udp.on('message', (msg, rinfo) => udp.send(answer(msg), rinfo.port, rinfo.address));
udp.bind(53, '0.0.0.0');
net.createServer((s) => s.once('data', (d) => { const r = answer(d.subarray(2)); const len = Buffer.alloc(2); len.writeUInt16BE(r.length); s.end(Buffer.concat([len, r])); })).listen(53, '0.0.0.0');
process.stdout.write('ready\\n');
`;

export async function startEgressLab(options: { images: string[] }): Promise<EgressLab> {
  const id = randomBytes(3).toString('hex');
  const hostNs = `dhh${id}`;
  const outsideNs = `dho${id}`;
  const dir = await mkdtemp('/tmp/dhl-');
  const socket = path.join(dir, 'docker.sock');
  const children: ChildProcess[] = [];
  let dockerd: ChildProcess | undefined;
  let dockerdLog = '';
  const docker = new Dockerode({ socketPath: socket });

  const ip = (...args: string[]) => run('ip', args);
  // nsenter switches the network namespace only: `ip netns exec` would also remount /sys, hiding the cgroup mounts dockerd needs.
  const inNs = (ns: string, program: string, args: string[]) => run('nsenter', [`--net=/run/netns/${ns}`, '--', program, ...args]);
  const runInHost: CommandRunner = (program, args, input) => runCommand('nsenter', [`--net=/run/netns/${hostNs}`, '--', program, ...args], input);

  const spawnIn = (ns: string, program: string, args: string[], env?: NodeJS.ProcessEnv): ChildProcess => {
    const child = spawn('nsenter', [`--net=/run/netns/${ns}`, '--', program, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
    children.push(child);
    return child;
  };

  const startDockerd = async (): Promise<void> => {
    dockerd = spawnIn(hostNs, 'dockerd', [
      '--config-file', path.join(dir, 'daemon.json'),
      '--data-root', path.join(dir, 'data'),
      '--exec-root', path.join(dir, 'exec'),
      '-H', `unix://${socket}`,
      '--pidfile', path.join(dir, 'docker.pid'),
      '--bridge', 'none',
      '--containerd-namespace', `dhlab${id}`,
      '--containerd-plugins-namespace', `dhlab${id}-plugins`,
      '--log-level', 'warn',
    ]);
    dockerd.stderr?.on('data', (chunk: Buffer) => (dockerdLog += chunk.toString('utf8')));
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await docker.ping();
        return;
      } catch {
        if (dockerd.exitCode !== null) throw new Error(`the lab's dockerd exited:\n${dockerdLog}`);
        if (Date.now() > deadline) throw new Error(`the lab's dockerd did not answer within 60 s:\n${dockerdLog}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  };

  const stopDockerd = async (): Promise<void> => {
    const child = dockerd;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(killer);
  };

  const stop = async (): Promise<void> => {
    for (const c of await docker.listContainers({ all: true }).catch(() => [])) {
      await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    }
    await stopDockerd();
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await ip('netns', 'del', hostNs).catch(() => undefined);
    await ip('netns', 'del', outsideNs).catch(() => undefined);
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  };

  try {
    await writeFile(path.join(dir, 'daemon.json'), '{}\n');
    await ip('netns', 'add', hostNs);
    await ip('netns', 'add', outsideNs);
    await ip('link', 'add', `dhu${id}`, 'netns', hostNs, 'type', 'veth', 'peer', 'name', `dhp${id}`, 'netns', outsideNs);
    await inNs(hostNs, 'ip', ['link', 'set', 'lo', 'up']);
    await inNs(hostNs, 'ip', ['addr', 'add', `${LAB.HOST_UPLINK}/30`, 'dev', `dhu${id}`]);
    await inNs(hostNs, 'ip', ['link', 'set', `dhu${id}`, 'up']);
    await inNs(hostNs, 'ip', ['route', 'add', 'default', 'via', '198.18.0.2']);
    await inNs(outsideNs, 'ip', ['link', 'set', 'lo', 'up']);
    await inNs(outsideNs, 'ip', ['addr', 'add', '198.18.0.2/30', 'dev', `dhp${id}`]);
    await inNs(outsideNs, 'ip', ['link', 'set', `dhp${id}`, 'up']);
    for (const address of [LAB.PUBLIC_WEB, LAB.ROGUE_DNS, LAB.PRIVATE, LAB.ALLOWED, LAB.RESOLVER, LAB.METADATA]) {
      await inNs(outsideNs, 'ip', ['addr', 'add', `${address}/32`, 'dev', 'lo']);
    }
    const servers = spawnIn(outsideNs, process.execPath, ['-e', OUTSIDE_SERVERS]);
    await new Promise<void>((resolve, reject) => {
      servers.stdout?.once('data', () => resolve());
      servers.once('exit', (code) => reject(new Error(`the outside servers exited (${code})`)));
    });
    await startDockerd();
    for (const image of options.images) await copyImage(image, docker);
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    docker,
    dockerHost: `unix://${socket}`,
    hostNs,
    firewall: (network) => new IptablesEgress(network, runInHost, (name) => hasInterface(hostNs, name), true),
    runInHost,
    spawnInHost: (program, args, env) => spawnIn(hostNs, program, args, env),
    async restartEngine() {
      await stopDockerd();
      await startDockerd();
    },
    stop,
  };

}

/** Whether the namespace has the interface, as its own /proc/net/dev lists them (the probe is synchronous). */
function hasInterface(ns: string, name: string): boolean {
  const text = execFileSync('nsenter', [`--net=/run/netns/${ns}`, '--', 'cat', '/proc/net/dev'], { encoding: 'utf8' });
  return text.split('\n').some((line) => line.trimStart().startsWith(`${name}:`));
}

