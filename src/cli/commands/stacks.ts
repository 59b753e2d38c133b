/**
 * `dockhand stacks ...`: the language stacks of this host. `list` shows each stack's image state and
 * the disk the images take, `build` builds the base and stack images (content-hash tagged, so a
 * current image is never rebuilt), `check` runs each stack's smoke test in a real task container with
 * the fleet's isolation defaults, `prune` removes stale images no code revision records.
 * These talk to the local Docker engine, not to a server: images live per host. The work lives in
 * ../actions/stacks-*.ts and is loaded only when a command runs, so every other command starts
 * without loading the Docker client.
 */
import type { Command } from 'commander';
import type Docker from 'dockerode';
import type { StackCatalog } from '../../stacks/catalog.ts';
import type { StacksDeps } from '../actions/stacks-deps.ts';
import { globalOptions } from '../client.ts';
import { CliExit, EXIT_CODES } from '../output.ts';

/** What the stacks commands need from outside; tests and embedders may supply their own. */
export interface StacksCommandContext {
  docker?: () => Docker | Promise<Docker>;
  catalog?: () => Promise<StackCatalog>;
}


function stacksDeps(ctx: StacksCommandContext): StacksDeps {
  return {
    docker: async () => {
      if (ctx.docker) return ctx.docker();
      const { default: Dockerode } = await import('dockerode');
      return new Dockerode();
    },
    catalog: async () => {
      if (ctx.catalog) return ctx.catalog();
      const { loadStackCatalog } = await import('../../stacks/catalog.ts');
      return loadStackCatalog();
    },
  };
}

export function registerStacksCommands(program: Command, ctx: StacksCommandContext = {}): void {
  const deps = stacksDeps(ctx);
  const stacks = program
    .command('stacks')
    .description('Language stacks on this host: list them, build their images, check them, prune old images.')
    .addHelpText('after', `
A stack is a definition in stacks/<name>.yaml plus a Dockerfile under dockerfiles/. Every stack of a
Debian release is built FROM one shared base image, so the base's layers are stored once per host.
Images are tagged by the content hash of their inputs: editing a stack's definition or Dockerfile
makes it "stale" until it is built again, and building an unchanged stack does nothing.`);

  stacks
    .command('list')
    .description('List the defined stacks with the state of their images on this host.')
    .option('--json', 'print a JSON array on stdout')
    .addHelpText('after', `
Columns: VERSION is read from the image when it was built; OWN SIZE is what the stack adds to its
shared base; STATE is built (current image present), stale (an older build exists) or missing.
Below the table (stderr): the shared bases and the disk all stack images take together.`)
    .action(async (_options: unknown, command: Command) => {
      const { listStacks } = await import('../actions/stacks-list.ts');
      await listStacks(deps, { json: globalOptions(command).json === true });
    });

  stacks
    .command('build')
    .description('Build the base and stack images (all stacks, or the NAMEs given); current images are kept.')
    .argument('[names...]', 'stacks to build (default: every defined stack)')
    .option('--parallel <n>', 'stacks built at once after their base', positiveInteger('--parallel'), 2)
    .option('--no-cache', 'rebuild even current images from scratch (picks up Debian security updates)')
    .option('--json', 'print the build report as JSON on stdout')
    .addHelpText('after', `
Progress goes to stderr: on a terminal, one progress bar per image with its current build step;
otherwise one line per step. Without a local debian:<release>-slim image and with no registry in
reach, the Debian base is built from packages with debootstrap (needs root and a Debian mirror;
DOCKHAND_DEBIAN_MIRROR overrides deb.debian.org). The summary table shows each image's version, own
size, time and whether it was built or cached. Exit code 1 if any image failed, after the end of its
build log.

Examples:
  dockhand stacks build                       every stack
  dockhand stacks build node-20 --parallel 1`)
    .action(async (names: string[], options: { parallel: number; cache: boolean }, command: Command) => {
      const { buildStacksCommand } = await import('../actions/stacks-build.ts');
      await buildStacksCommand(deps, names, { parallel: options.parallel, noCache: !options.cache, json: globalOptions(command).json === true });
    });

  stacks
    .command('check')
    .description('Run each stack\'s smoke test in a real, locked-down task container.')
    .argument('[names...]', 'stacks to check (default: every defined stack)')
    .option('--json', 'print the results as a JSON array on stdout')
    .addHelpText('after', `
Each check runs the stack's smoke program (from its definition) through the same path as a task:
non-root user, no capabilities, read-only root, no network, memory/CPU/pids limits, code and payload
over stdin. Exit code 1 if any check failed.`)
    .action(async (names: string[], _options: unknown, command: Command) => {
      const { checkStacksCommand } = await import('../actions/stacks-check.ts');
      await checkStacksCommand(deps, names, { json: globalOptions(command).json === true });
    });

  stacks
    .command('prune')
    .description('Remove stack images that are not current and that no code revision records.')
    .option('--dry-run', 'only list what would be removed')
    .option('--json', 'print the report as JSON on stdout')
    .addHelpText('after', `
A code revision records the image its package was built and tested against, and its tasks keep
running on that image; such an image is never removed, nor is the current image of any stack. Reads
the revisions from Redis (REDIS_URL, DOCKHAND_REDIS_PREFIX): when Redis does not answer, nothing is
removed. Only images of the stacks defined here are considered.`)
    .action(async (options: { dryRun?: boolean }, command: Command) => {
      const { pruneStacksCommand } = await import('../actions/stacks-prune.ts');
      await pruneStacksCommand(deps, { dryRun: options.dryRun === true, json: globalOptions(command).json === true });
    });
}

function positiveInteger(option: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new CliExit(EXIT_CODES.usage, `${option} expects a whole number of at least 1, got "${value}".`);
    return n;
  };
}
