/**
 * `dockhand open`: opens the dashboard in a browser, already signed in. It asks the server for a
 * one-time sign-in link (valid a minute, with this token's access) and hands it to the desktop's
 * opener (xdg-open, open, start); the page exchanges the code for a session token and removes it from
 * the address bar. With --print (or no opener) it prints the link instead.
 */
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { findExecutable } from '../../host/run-command.ts';
import { clientFor, globalOptions } from '../client.ts';
import { info, printJson } from '../output.ts';

/** The desktop's way to open a URL, if this machine has one. */
function opener(): { command: string; args: string[] } | undefined {
  if (process.platform === 'darwin') return { command: 'open', args: [] };
  if (process.platform === 'win32') return { command: 'cmd', args: ['/c', 'start', ''] };
  return findExecutable('xdg-open') ? { command: 'xdg-open', args: [] } : undefined;
}

export function registerOpenCommand(program: Command): void {
  program
    .command('open')
    .description('Open the dashboard in a browser, signed in with a one-time link (valid one minute).')
    .option('--print', 'print the link instead of opening a browser')
    .addHelpText('after', '\nThe link signs in once; the dashboard keeps its token for the browser tab only.\nExamples:\n  dockhand open\n  dockhand open --print --json\n')
    .action(async (options: { print?: boolean }, command: Command) => {
      const link = await clientFor(command).tokens.signInLink();
      const how = options.print ? undefined : opener();
      if (globalOptions(command).json) {
        printJson({ ...link, opened: how !== undefined });
      } else if (!how) {
        info(`Open this link within a minute (it works once): ${link.url}`);
        process.stdout.write(`${link.url}\n`);
      }
      if (how) {
        const child = spawn(how.command, [...how.args, link.url], { stdio: 'ignore', detached: true });
        child.on('error', () => info(`Could not start ${how.command}; open this link within a minute: ${link.url}`));
        child.unref();
        if (!globalOptions(command).json) info('Opened the dashboard in your browser (the link works once, for one minute).');
      }
    });
}
