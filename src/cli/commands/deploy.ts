/**
 * `dockhand deploy swarm | build`: Dockhand deployed as containers (docs/deploy.md). `swarm` runs on a
 * Swarm manager and does everything from building to a serving API; `build` only builds Dockhand's
 * own images (and the stacks) on this engine, for deploy/compose.yaml or a stack deployed by hand.
 * Both talk to the local engine (DOCKER_HOST); the work is loaded only when a command runs.
 */
import type { Command } from 'commander';
import { parseSettings } from '../../core/settings.ts';
import { globalOptions } from '../client.ts';
import { CliExit, EXIT_CODES, info, printJson } from '../output.ts';

function whole(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new CliExit(EXIT_CODES.usage, `${name} expects a whole number from ${min} to ${max}, got "${value}".`);
    return n;
  };
}

function stackName(value: string): string {
  if (!/^[a-z0-9][a-z0-9_-]{0,30}$/.test(value)) throw new CliExit(EXIT_CODES.usage, `--name is lowercase letters, digits, "_" or "-" (at most 31), got "${value}".`);
  return value;
}

function stackList(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

async function engineAndCatalog() {
  const [{ default: Dockerode }, { loadStackCatalog }] = await Promise.all([import('dockerode'), import('../../stacks/catalog.ts')]);
  return { docker: new Dockerode(), catalog: await loadStackCatalog() };
}

interface SwarmOptions {
  name: string;
  replicas: number;
  port: number;
  registryPort: number;
  stacks?: string[];
  down?: boolean;
  volumes?: boolean;
  timeout: number;
  json?: boolean;
}

export function registerDeployCommands(program: Command): void {
  const deploy = program
    .command('deploy')
    .description('Deploy Dockhand as containers: on a Docker Swarm, or build its images for deploy/compose.yaml.');

  deploy
    .command('swarm')
    .description('On a Swarm manager: build what is missing, push it to the in-swarm registry, deploy the stack, wait until it serves and write credentials.json.')
    .option('--name <name>', 'the stack name (docker stack ls); also names its secrets and volumes', stackName, 'dockhand')
    .option('--replicas <n>', 'API replicas behind the routing mesh', whole('--replicas', 1, 32), 2)
    .option('--port <port>', 'published API port on every node', whole('--port', 1, 65_535), 8080)
    .option('--registry-port <port>', 'published port of the in-swarm registry', whole('--registry-port', 1, 65_535), 5000)
    .option('--stacks <a,b>', 'stacks to build and push (default: all)', stackList)
    .option('--timeout <s>', 'seconds to wait for the registry, the API and a worker', whole('--timeout', 10, 3600), 300)
    .option('--down', 'remove the stack instead (keeps its data volumes and secrets)')
    .option('--volumes', 'with --down: also remove the data volumes (Redis, code, registry) and the secrets')
    .option('--json', 'print the result as JSON on stdout')
    .addHelpText('after', `
Needs: this engine a Swarm manager (\`docker swarm init --advertise-addr <ip>\`), the docker CLI.
The node labelled dockhand.state=true (this one, if none is) keeps the volumes of Redis, the registry
and the code store. Every node pulls images from 127.0.0.1:<registry port> through the routing mesh,
which the engine allows over plain HTTP. Progress goes to stderr; credentials.json goes to
DOCKHAND_DATA_DIR (.dockhand), so \`dockhand task queue ...\` works at once. Run it again to upgrade:
only what changed is built, pushed and rolled out (a service at a time, workers draining).

Examples:
  dockhand deploy swarm --replicas 2 --port 8080
  dockhand deploy swarm --stacks shell,node-20 --json
  dockhand deploy swarm --down                # keeps data; --down --volumes removes it too
`)
    .action(async (options: SwarmOptions, command: Command) => {
      const json = options.json === true || globalOptions(command).json === true;
      if (options.volumes && !options.down) throw new CliExit(EXIT_CODES.usage, '--volumes only goes with --down.');
      const settings = parseSettings(process.env);
      const { docker, catalog } = await engineAndCatalog();
      const log = (line: string): void => info(line);
      if (options.down) {
        const { removeSwarmStack } = await import('../../deploy/swarm-deploy.ts');
        const result = await removeSwarmStack(docker, { name: options.name, volumes: options.volumes === true, dataDir: settings.DOCKHAND_DATA_DIR, log });
        if (json) printJson({ name: options.name, down: true, removed: result.removed });
        return;
      }
      const stacks = options.stacks ?? catalog.names();
      stacks.forEach((name) => catalog.get(name));
      const { deploySwarm } = await import('../../deploy/swarm-deploy.ts');
      const result = await deploySwarm(docker, catalog, {
        name: options.name,
        port: options.port,
        registryPort: options.registryPort,
        replicas: options.replicas,
        stacks,
        dataDir: settings.DOCKHAND_DATA_DIR,
        timeoutMs: options.timeout * 1000,
        log,
      });
      if (json) printJson(result);
      else process.stdout.write(`${result.url}\n`);
    });

  deploy
    .command('build')
    .description("Build Dockhand's own images (app, Redis, registry) and the stacks on this engine; print their tags.")
    .option('--stacks <a,b>', 'stacks to build (default: all)', stackList)
    .option('--json', 'print the image tags as JSON on stdout')
    .addHelpText('after', `
The tags are content hashes: an unchanged checkout builds nothing. Use them with deploy/compose.yaml
(DOCKHAND_IMAGE=... docker-compose -f deploy/compose.yaml up) or a stack deployed by hand.
`)
    .action(async (options: { stacks?: string[]; json?: boolean }, command: Command) => {
      const json = options.json === true || globalOptions(command).json === true;
      const { docker, catalog } = await engineAndCatalog();
      const { ensureServiceImage, SERVICE_IMAGES } = await import('../../deploy/service-images.ts');
      const { ensureStacksBuilt } = await import('../../stacks/build.ts');
      const log = (line: string): void => info(line);
      const images: Record<string, string> = {};
      for (const name of SERVICE_IMAGES) images[name] = (await ensureServiceImage(docker, catalog, name, { log })).ref;
      const report = await ensureStacksBuilt(docker, catalog, options.stacks ?? catalog.names(), { log });
      for (const stack of report.stacks) images[stack.name] = stack.ref!;
      if (json) printJson(images);
      else for (const [name, ref] of Object.entries(images)) process.stdout.write(`${name}\t${ref}\n`);
    });
}
