// Provisions this machine for Dockhand and reports where things are, for scripts and CI:
//   npx tsx scripts/provision.ts [STACK...]     (default stacks: shell, node-20, python-3.13)
// Installs docker.io, redis-server and debootstrap when missing (as root on Debian), starts the
// Docker engine and Redis if they are not running, and builds the stack images the tests need.
// Human progress goes to stderr; the LAST stdout line is one JSON object:
//   {"redis_url": "redis://127.0.0.1:6390", "docker_host": "unix:///var/run/docker.sock"}
// On failure it exits 1 with one sentence on stderr.
import { resolveDataDir } from '../src/host/data-dir.ts';
import { FIRST_STACKS, provisionHost } from '../src/roles/provision.ts';

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

try {
  const stacks = process.argv.slice(2);
  const host = await provisionHost({ dataDir: resolveDataDir(), log, stacks: stacks.length > 0 ? stacks : FIRST_STACKS });
  process.stdout.write(`${JSON.stringify({ redis_url: host.redisUrl, docker_host: host.dockerHost })}\n`);
  // The engine client may hold a keep-alive socket open; nothing else should keep us running.
  process.exit(0);
} catch (err) {
  process.stderr.write(`provision: ${(err as Error).message}\n`);
  process.exit(1);
}
