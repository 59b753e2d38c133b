/**
 * Installs the host programs Dockhand needs on a bare Debian machine: the Docker engine, Redis and
 * Redis Sentinel, debootstrap (for building the Debian base offline) and iptables (the egress policy of
 * tasks). As root on Debian it runs apt-get; otherwise it
 * stops with the exact command to run. A Docker or Redis the user points at (DOCKER_HOST, REDIS_URL)
 * needs no local package.
 *
 *   await ensurePackages({ log: (line) => process.stderr.write(`${line}\n`) });
 */
import { existsSync, readdirSync } from 'node:fs';
import { DhError } from '../core/errors.ts';
import type { ProgressLog } from './progress.ts';
import { findExecutable, runStreaming } from './run-command.ts';

/** Which Debian package provides each program we look for. */
export const REQUIRED_PROGRAMS = [
  { program: 'dockerd', pkg: 'docker.io', unlessEnv: 'DOCKER_HOST' },
  { program: 'redis-server', pkg: 'redis-server', unlessEnv: 'REDIS_URL' },
  // Redis Sentinel, for a highly available Redis (docs/operations.md) and the failover test.
  { program: 'redis-sentinel', pkg: 'redis-sentinel', unlessEnv: 'REDIS_URL' },
  { program: 'debootstrap', pkg: 'debootstrap', unlessEnv: undefined },
  // The egress policy of network-enabled tasks (docs/security.md "Egress"); docker.io pulls it in too.
  { program: 'iptables', pkg: 'iptables', unlessEnv: undefined },
] as const;

/**
 * Programs only the test suites need: GlusterFS for the shared code store case, iproute2 and
 * util-linux (ip, nsenter, unshare) for the Swarm lab's namespaces (docs/deploy.md), faketime for the
 * chaos matrix's skewed clock (test/chaos/), Chromium for the dashboard's browser tests (Debian's build;
 * Playwright's own browser download is never used), and docker-compose for `npm run test:deploy`,
 * which runs deploy/compose.yaml as its header says.
 */
export const TEST_PROGRAMS = [
  { program: 'glusterd', pkg: 'glusterfs-server', unlessEnv: undefined },
  { program: 'ip', pkg: 'iproute2', unlessEnv: undefined },
  { program: 'nsenter', pkg: 'util-linux', unlessEnv: undefined },
  { program: 'chromium', pkg: 'chromium', unlessEnv: 'DOCKHAND_CHROMIUM' },
  // The chaos matrix runs one worker under libfaketime (a clock 30 s ahead).
  { program: 'faketime', pkg: 'faketime', unlessEnv: undefined },
  { program: 'docker-compose', pkg: 'docker-compose', unlessEnv: undefined },
] as const;

type ProgramRequirement = (typeof REQUIRED_PROGRAMS)[number] | (typeof TEST_PROGRAMS)[number];

export interface HostFacts {
  /** Programs not found on this host. */
  missing: readonly string[];
  isRoot: boolean;
  isDebian: boolean;
  env: Record<string, string | undefined>;
}

export type PackagePlan =
  | { action: 'none' }
  | { action: 'install'; packages: string[] }
  | { action: 'refuse'; message: string };

/** Pure: what to do about missing programs on a host with the given facts. */
export function planPackages(facts: HostFacts, programs: readonly ProgramRequirement[] = REQUIRED_PROGRAMS): PackagePlan {
  const packages = programs.filter((req) => facts.missing.includes(req.program))
    .filter((req) => !(req.unlessEnv && facts.env[req.unlessEnv]))
    .map((req) => req.pkg);
  if (packages.length === 0) return { action: 'none' };
  if (facts.isRoot && facts.isDebian) return { action: 'install', packages };
  const list = packages.join(' ');
  if (!facts.isDebian) {
    return { action: 'refuse', message: `Dockhand needs ${list} (Debian package names); install the Docker engine, Redis 7 and debootstrap with this system's package manager, or set DOCKER_HOST and REDIS_URL to ones that run elsewhere.` };
  }
  return { action: 'refuse', message: `Dockhand needs ${list}; install them with \`sudo apt-get install -y ${list}\` (or run as root so Dockhand installs them), then try again.` };
}

export interface EnsurePackagesOptions {
  log: ProgressLog;
  env?: Record<string, string | undefined>;
  /** Also the programs of TEST_PROGRAMS (`npm test`, CI). */
  forTests?: boolean;
}

/** Installs what is missing (root on Debian) or throws DH_ERR_CONFIG naming what to install. */
export async function ensurePackages(options: EnsurePackagesOptions): Promise<{ installed: string[] }> {
  const env = options.env ?? process.env;
  const programs: readonly ProgramRequirement[] = options.forTests ? [...REQUIRED_PROGRAMS, ...TEST_PROGRAMS] : REQUIRED_PROGRAMS;
  const facts: HostFacts = {
    missing: programs.map((req) => req.program).filter((program) => !findExecutable(program)),
    isRoot: process.getuid?.() === 0,
    isDebian: existsSync('/etc/debian_version') && findExecutable('apt-get') !== undefined,
    env,
  };
  const plan = planPackages(facts, programs);
  if (plan.action === 'none') return { installed: [] };
  if (plan.action === 'refuse') throw new DhError('DH_ERR_CONFIG', plan.message);

  options.log(`installing ${plan.packages.join(', ')} with apt-get`);
  if (!aptListsPresent()) await aptGet(['update'], options.log);
  const first = await aptGet(['install', '-y', ...plan.packages], options.log, false);
  if (first.code !== 0) {
    // Stale or missing package lists are the usual cause; refresh once and retry.
    await aptGet(['update'], options.log);
    await aptGet(['install', '-y', ...plan.packages], options.log);
  }
  return { installed: plan.packages };
}

async function aptGet(args: string[], log: ProgressLog, mustSucceed = true): Promise<{ code: number }> {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const result = await runStreaming('apt-get', ['-q', ...args], { env, onLine: (line) => log(`  apt-get: ${line}`) });
  if (result.code !== 0 && mustSucceed) {
    throw new DhError('DH_ERR_CONFIG', `\`apt-get ${args.join(' ')}\` failed with exit code ${result.code}; its last lines:\n${result.tail.slice(-10).join('\n')}`);
  }
  return { code: result.code };
}

function aptListsPresent(): boolean {
  try {
    return readdirSync('/var/lib/apt/lists').some((name) => name.includes('_Packages'));
  } catch {
    return false;
  }
}
