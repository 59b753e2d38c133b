/**
 * `dockhand dev [dir] --name N --stack S`: the inner loop against a real fleet. Each save uploads the
 * directory and runs one task of it, streaming its output, its waterfall and its result; Ctrl-C leaves
 * no task running and puts back the code that was current before (see src/cli/dev/dev-session.ts).
 */
import { readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { clientFor, globalOptions } from '../client.ts';
import { CliExit, EXIT_CODES } from '../output.ts';
import { parsePayload } from './task.ts';

interface DevFlags {
  name: string;
  stack: string;
  payload?: string;
  payloadFile?: string;
  keep?: boolean;
}

export function registerDevCommand(program: Command): void {
  program
    .command('dev')
    .description('Watch a directory; on each save upload it and run one task on the fleet, with its output, waterfall and result.')
    .argument('[dir]', 'the code directory (honours .dockhandignore, else .gitignore)', '.')
    .requiredOption('--name <name>', 'the code package to upload as')
    .requiredOption('--stack <stack>', 'the language stack to run on (see `dockhand stacks list`)')
    .option('--payload <json>', 'the payload of every run: JSON, or plain text')
    .option('--payload-file <file>', 'read the payload from this file before every run')
    .option('--keep', 'on Ctrl-C, leave the last dev revision current (default: put back the one before)')
    .addHelpText('after', `
A change while a task runs cancels it and runs the newest code. A failed build or run is shown and the
watch goes on. Only HTTP is used: the server may be remote (--url/--token or DOCKHAND_URL/DOCKHAND_TOKEN).
Ctrl-C cancels a running task and makes the revision that was current before dev started current again
(a package dev created is deleted), unless --keep; it exits 0 once that is done, 1 if it could not be.
With --json: one JSON object per event on stdout (watching, change, build-log, uploaded, queued, log,
cancelling, finished, error, stopped).

Example:
  dockhand dev examples/hello-node --name hello-dev --stack node-20 --payload '{"name":"you"}'
`)
    .action(async (dir: string, options: DevFlags, command: Command) => {
      if (options.payload !== undefined && options.payloadFile !== undefined) throw new CliExit(EXIT_CODES.usage, 'Give --payload or --payload-file, not both.');
      if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new CliExit(EXIT_CODES.usage, `${dir} is not a directory; give the directory that holds your code.`);
      const payloadFile = options.payloadFile;
      const payload = payloadFile !== undefined ? () => parsePayload(readFileSync(payloadFile, 'utf8')) : () => (options.payload !== undefined ? parsePayload(options.payload) : undefined);
      const [{ DevSession }, { watchTree }, reporters] = await Promise.all([import('../dev/dev-session.ts'), import('../dev/watch-tree.ts'), import('../dev/dev-reporters.ts')]);
      const report = globalOptions(command).json ? reporters.jsonReporter() : reporters.textReporter();
      const session = new DevSession(clientFor(command), { dir, name: options.name, stack: options.stack, payload, keep: options.keep === true }, report);
      // Ctrl-C is heard from the start, so even an interrupted first upload is cleaned up after.
      const interrupted = new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      const watcher = watchTree(dir, (paths) => session.changed(paths));
      try {
        await Promise.race([session.start(), interrupted]);
        await interrupted;
      } finally {
        watcher.close();
      }
      await session.stop();
    });
}
