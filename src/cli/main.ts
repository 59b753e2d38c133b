/**
 * The `dockhand` command line: roles (up, server, worker), a local `run`, and the client commands for
 * code, tasks, schedules and stacks. Every command has --help; data commands take --json.
 */
import { Command, CommanderError } from 'commander';
import { registerCodeCommands } from './commands/code.ts';
import { registerDeployCommands } from './commands/deploy.ts';
import { registerDevCommand } from './commands/dev.ts';
import { registerNodesCommand } from './commands/nodes.ts';
import { registerOpenCommand } from './commands/open.ts';
import { registerProjectCommands } from './commands/projects.ts';
import { registerRoleCommands } from './commands/roles.ts';
import { registerRunCommand } from './commands/run.ts';
import { registerScheduleCommands } from './commands/schedule.ts';
import { registerStacksCommands } from './commands/stacks.ts';
import { registerTaskCommands } from './commands/task.ts';
import { PACKAGE_VERSION } from '../sdk/version.ts';
import { flushClients } from './client.ts';
import { EXIT_CODES, errorMessage } from './output.ts';

export function buildProgram(): Command {
  const program = new Command('dockhand')
    .description('Dockhand: upload code, queue tasks, run each in its own locked-down container.')
    .version(PACKAGE_VERSION, '-V, --version', 'print the version of Dockhand')
    .option('--url <url>', 'the Dockhand server (env DOCKHAND_URL; default from credentials.json)')
    .option('--token <token>', 'the project token (env DOCKHAND_TOKEN; default from credentials.json)')
    .option('--project <id>', 'the project id (env DOCKHAND_PROJECT_ID)')
    .option('--json', 'print data as JSON on stdout (human text goes to stderr)')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  registerRoleCommands(program);
  registerRunCommand(program);
  registerCodeCommands(program);
  registerTaskCommands(program);
  registerDevCommand(program);
  registerScheduleCommands(program);
  registerStacksCommands(program);
  registerNodesCommand(program);
  registerProjectCommands(program);
  registerDeployCommands(program);
  registerOpenCommand(program);
  program.addHelpText('after', `
Start here:
  npm run up                                   start the fleet on this machine (second terminal for the rest)
  dockhand code upload examples/hello-node --name hello --stack node-20
  dockhand task queue hello --payload '{"name":"you"}' --wait
  dockhand dev examples/hello-node --name hello-dev --stack node-20   edit, save, see it run

Exit codes: 0 success, 1 failure, 2 usage error; task queue --wait: 10 error, 11 timeout, 12 cancelled.`);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  program.commands.forEach(function override(command: Command): void {
    command.exitOverride();
    command.commands.forEach(override);
  });
  try {
    await program.parseAsync(argv);
    await flushClients();
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here too, with code 0.
      process.exitCode = err.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
      return;
    }
    const { message, exitCode } = errorMessage(err);
    process.stderr.write(`dockhand: ${message}\n`);
    process.exitCode = exitCode;
  }
}
