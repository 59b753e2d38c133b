/**
 * The host-level pieces of a lab of engines (see swarm-lab.ts): running commands, network
 * namespaces joined by a bridge that lives in a namespace of its own, and cgroups whose processes
 * can all be killed at once. Nothing here touches an interface, route or rule of the root namespace.
 *
 *   await run('ip', ['netns', 'add', 'dhlab-ab12-br']);
 *   await killCgroup('dhlab-ab12-n1');  // every process of that node, its containers included
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Runs a program and returns its stdout; a failure carries the command line and its stderr. */
export async function run(program: string, args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<string> {
  try {
    const { stdout } = await execFileAsync(program, args, { env: options.env ?? process.env, timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${program} ${args.join(' ')} failed: ${(e.stderr ?? '').trim() || e.message}`, { cause: err });
  }
}

/** The same, ignoring failure: for cleanup steps that may find nothing to clean. */
export async function tryRun(program: string, args: string[], options: { timeoutMs?: number } = {}): Promise<void> {
  await run(program, args, options).catch(() => undefined);
}

export async function listNetns(): Promise<string[]> {
  const out = await run('ip', ['netns', 'list']);
  return out.split('\n').map((line) => line.split(' ')[0] ?? '').filter(Boolean);
}

/** A namespace holding one bridge `br0`, the lab's switch. */
export async function createBridgeNamespace(netns: string): Promise<void> {
  await run('ip', ['netns', 'add', netns]);
  await run('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
  await run('ip', ['-n', netns, 'link', 'add', 'br0', 'type', 'bridge']);
  await run('ip', ['-n', netns, 'link', 'set', 'br0', 'up']);
}

/**
 * A node namespace cabled to the bridge: a veth pair created straight inside the two namespaces
 * (never in the root one), `eth0` on the node's side with `address/prefix`.
 */
export async function createNodeNamespace(netns: string, bridgeNetns: string, port: string, address: string): Promise<void> {
  await run('ip', ['netns', 'add', netns]);
  await run('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
  await run('ip', ['-n', bridgeNetns, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
  await run('ip', ['-n', bridgeNetns, 'link', 'set', port, 'master', 'br0', 'up']);
  await run('ip', ['-n', netns, 'addr', 'add', address, 'dev', 'eth0']);
  await run('ip', ['-n', netns, 'link', 'set', 'eth0', 'up']);
}

/** Deleting a namespace deletes the veth ends and bridge inside it (and so their peers). */
export async function deleteNetns(netns: string): Promise<void> {
  await tryRun('ip', ['netns', 'delete', netns]);
}

/** The roots of this host's cgroup hierarchies (v1 controllers, or the one v2 tree). */
async function cgroupRoots(): Promise<string[]> {
  const base = '/sys/fs/cgroup';
  if (existsSync(path.join(base, 'cgroup.procs'))) return [base];
  const entries = await readdir(base, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory() && existsSync(path.join(base, e.name, 'cgroup.procs'))).map((e) => path.join(base, e.name));
}

/** Directories of a cgroup and everything below it, deepest first. */
async function cgroupTree(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const below: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (entry.isDirectory()) below.push(...(await cgroupTree(path.join(dir, entry.name))));
  }
  return [...below, dir];
}

/** Every process in the named cgroup (any hierarchy) or below it. */
export async function cgroupPids(name: string): Promise<number[]> {
  const pids = new Set<number>();
  for (const root of await cgroupRoots()) {
    for (const dir of await cgroupTree(path.join(root, name))) {
      const text = await readFile(path.join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
      for (const line of text.split('\n')) if (line.trim()) pids.add(Number(line));
    }
  }
  return [...pids];
}

/** SIGKILLs every process of a cgroup until none is left: a node's power cut. */
export async function killCgroup(name: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pids = await cgroupPids(name);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (Date.now() > deadline) throw new Error(`processes of cgroup ${name} survive SIGKILL: ${pids.join(' ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Removes the (empty) cgroup directories of `name` in every hierarchy. */
export async function removeCgroup(name: string): Promise<void> {
  for (const root of await cgroupRoots()) {
    for (const dir of await cgroupTree(path.join(root, name))) await rmdir(dir).catch(() => undefined);
  }
}

/** Names of cgroups directly under the roots that start with `prefix`. */
export async function listCgroups(prefix: string): Promise<string[]> {
  const names = new Set<string>();
  for (const root of await cgroupRoots()) {
    for (const entry of await readdir(root, { withFileTypes: true }).catch(() => [])) {
      if (entry.isDirectory() && entry.name.startsWith(prefix)) names.add(entry.name);
    }
  }
  return [...names];
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
