/**
 * `dockhand code ...`: upload a directory or archive as a new revision of a code package, and list,
 * show, download or delete packages.
 */
import { writeFileSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import type { UploadOptions } from '../../sdk/index.ts';
import { clientFor, globalOptions } from '../client.ts';
import { CliExit, EXIT_CODES, formatBytes, info, printJson, table } from '../output.ts';

function collectEnv(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new CliExit(EXIT_CODES.usage, `--env expects KEY=VALUE, got "${value}".`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

function integer(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n)) throw new CliExit(EXIT_CODES.usage, `${name} expects a number, got "${value}".`);
    return n;
  };
}

/** What commander hands `code upload` (the option names in camelCase, parsed by the functions above). */
interface UploadFlags {
  name: string;
  stack?: string;
  image?: string;
  command?: string;
  env: Record<string, string>;
  configFile?: string;
  maxConcurrency?: number;
  retries?: number;
  retriesDelay?: number;
  timeout?: number;
  memory?: number;
  cpus?: number;
  network?: boolean;
}

export function registerCodeCommands(program: Command): void {
  const code = program.command('code').description('Upload and manage code packages (the programs tasks run).');

  code
    .command('upload')
    .description('Upload a directory or archive (.tar.gz .tgz .tar .zip) as a new revision of a code package.')
    .argument('[source]', 'a directory (packed, honouring .dockhandignore) or an archive file; omit with --image')
    .requiredOption('--name <name>', 'the package name tasks are queued by')
    .option('--stack <stack>', 'the language stack to run on (see `dockhand stacks list`)')
    .option('--image <image>', 'run this Docker image (present on the workers) instead of a stack')
    .option('--command <cmd>', 'shell command to run in the task directory (default: the stack\'s run command)')
    .option('--env <KEY=VALUE>', 'an environment variable for every task (repeatable)', collectEnv, {})
    .option('--config-file <file>', 'a file whose content every task reads from CONFIG_FILE')
    .option('--max-concurrency <n>', 'most tasks of this package running at once across the fleet (-1: no limit)', integer('--max-concurrency'))
    .option('--retries <n>', 'times a failed task is retried (0-10)', integer('--retries'))
    .option('--retries-delay <s>', 'seconds before the first retry', integer('--retries-delay'))
    .option('--timeout <s>', 'default task timeout in seconds', integer('--timeout'))
    .option('--memory <mb>', 'memory limit per task in MB', integer('--memory'))
    .option('--cpus <n>', 'CPUs per task (may be fractional)', integer('--cpus'))
    .option('--network', 'give tasks network access (off by default)')
    .addHelpText('after', '\nExample:\n  dockhand code upload examples/hello-node --name hello --stack node-20\n')
    .action(async (source: string | undefined, options: UploadFlags, command: Command) => {
      if (!source && !options.image) throw new CliExit(EXIT_CODES.usage, 'Give a directory or archive to upload, or --image IMAGE.');
      const upload: UploadOptions = { name: options.name };
      if (options.stack) upload.stack = options.stack;
      if (options.image) upload.image = options.image;
      if (options.command) upload.command = options.command;
      if (Object.keys(options.env).length) upload.env_vars = options.env;
      if (options.configFile) upload.config = readFileSync(options.configFile, 'utf8');
      for (const [flag, field] of [['maxConcurrency', 'max_concurrency'], ['retries', 'retries'], ['retriesDelay', 'retries_delay'], ['timeout', 'timeout'], ['memory', 'memory'], ['cpus', 'cpus']] as const) {
        if (options[flag] !== undefined) upload[field] = options[flag];
      }
      if (options.network) upload.network = true;
      if (!globalOptions(command).json) info(`Uploading ${source ?? upload.image} as "${upload.name}"...`);
      // The server's dependency build (package.json, requirements.txt, go.mod...) shows as it runs.
      const revision = await clientFor(command).codes.upload(source, upload, { onBuildLog: (line) => info(`  | ${line}`) });
      if (globalOptions(command).json) return printJson(revision);
      const built = revision.build ? `, built with \`${revision.build.command}\` in ${revision.build.seconds} s` : '';
      info(`Uploaded ${revision.name} revision ${revision.rev} (${revision.stack ?? revision.image}, ${revision.file_count ?? 0} files, ${formatBytes(revision.archive_size)}${built}).`);
    });

  code
    .command('list')
    .description('List the code packages of the project.')
    .action(async (_options: unknown, command: Command) => {
      const codes = await clientFor(command).codes.list();
      if (globalOptions(command).json) return printJson(codes);
      console.log(table(codes.map((c) => ({ ...c, runs_on: c.stack ?? c.image, size: formatBytes(c.archive_size) })), ['name', 'rev', 'runs_on', 'size', 'created_at']));
    });

  code
    .command('show')
    .description('Show the current revision of a code package.')
    .argument('<name>')
    .action(async (name: string, _options: unknown, command: Command) => {
      const revision = await clientFor(command).codes.get(name);
      if (globalOptions(command).json) return printJson(revision);
      for (const [k, v] of Object.entries(revision)) console.log(`${k.padEnd(18)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
    });

  code
    .command('revisions')
    .description('List every revision of a code package, newest first.')
    .argument('<name>')
    .action(async (name: string, _options: unknown, command: Command) => {
      const revisions = await clientFor(command).codes.revisions(name);
      if (globalOptions(command).json) return printJson(revisions);
      console.log(table(revisions.map((r) => ({ ...r, size: formatBytes(r.archive_size) })), ['rev', 'stack', 'size', 'file_count', 'archive_sha256', 'created_at']));
    });

  code
    .command('download')
    .description('Download the archive of a revision (.tar.gz).')
    .argument('<name>')
    .option('--revision <n>', 'the revision (default: the current one)', integer('--revision'))
    .addOption(new Option('-o, --output <file>', 'where to write it (default: <name>-r<rev>.tar.gz)'))
    .action(async (name: string, options: { revision?: number; output?: string }, command: Command) => {
      const client = clientFor(command);
      const data = await client.codes.download(name, options.revision !== undefined ? { revision: options.revision } : {});
      const rev = options.revision ?? (await client.codes.get(name)).rev;
      const file = options.output ?? `${name}-r${rev}.tar.gz`;
      writeFileSync(file, data);
      if (globalOptions(command).json) return printJson({ file, bytes: data.length });
      info(`Wrote ${file} (${formatBytes(data.length)}).`);
    });

  const queueVerbs = {
    pause: { description: 'Pause the package\'s queue: its queued tasks wait (running ones go on) until `code resume`.', done: 'Paused' },
    resume: { description: 'Resume the package\'s queue: its waiting tasks run again, in their order.', done: 'Resumed' },
  } as const;
  for (const verb of ['pause', 'resume'] as const) {
    code
      .command(verb)
      .description(queueVerbs[verb].description)
      .argument('<name>')
      .action(async (name: string, _options: unknown, command: Command) => {
        const client = clientFor(command);
        const state = verb === 'pause' ? await client.codes.pause(name) : await client.codes.resume(name);
        if (globalOptions(command).json) return printJson(state);
        info(`${queueVerbs[verb].done} the queue of ${state.name}; ${state.waiting} task(s) waiting.`);
      });
  }

  code
    .command('delete')
    .description('Delete a code package and all its revisions. Tasks already queued fail.')
    .argument('<name>')
    .action(async (name: string, _options: unknown, command: Command) => {
      await clientFor(command).codes.delete(name);
      if (globalOptions(command).json) return printJson({ deleted: name });
      info(`Deleted ${name}.`);
    });
}
