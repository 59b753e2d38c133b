/**
 * `dockhand projects create NAME`: a new project with its own token, printed once. Two ways in:
 *   - with an admin token (--admin-token or DOCKHAND_ADMIN_TOKEN): over HTTP, `POST /v1/projects`
 *     on the server named by --url / DOCKHAND_URL / credentials.json;
 *   - without one, on the server machine: straight into Dockhand's Redis (REDIS_URL, or Dockhand's own).
 * `dockhand projects token create [--read-only]`: another token of the current project (over HTTP, with
 * the project's token), e.g. a read-only one to share a dashboard with people who should only look.
 */
import type { Command } from 'commander';
import { Dockhand, type CreatedProject } from '../../sdk/index.ts';
import { clientFor, globalOptions } from '../client.ts';
import { info, printJson } from '../output.ts';

export function registerProjectCommands(program: Command): void {
  const projects = program.command('projects').description('Create projects (each with its own token and its own code, tasks and schedules).');

  projects
    .command('create')
    .description('Create a project and print its id and token (shown once; keep it).')
    .argument('<name>', 'the project name')
    .option('--admin-token <token>', 'create it over HTTP with the admin token (env DOCKHAND_ADMIN_TOKEN); without one, run this on the server machine')
    .addHelpText('after', '\nExamples:\n  dockhand projects create billing                                  # on the server machine\n  dockhand projects create billing --url https://dh.example --admin-token $T --json\n')
    .action(async (name: string, options: { adminToken?: string }, command: Command) => {
      const global = globalOptions(command);
      const adminToken = options.adminToken ?? process.env['DOCKHAND_ADMIN_TOKEN'];
      const created: CreatedProject = adminToken
        ? await new Dockhand({ url: global.url, token: adminToken }).projects.create(name)
        : await (await import('../../roles/create-project-locally.ts')).createProjectLocally(name, process.env);
      if (global.json) {
        printJson(created);
        return;
      }
      info(`Created project ${created.name}${adminToken ? '' : ' (directly in Redis)'}; the token is shown only now.`);
      process.stdout.write(`id:    ${created.id}\ntoken: ${created.token}\n`);
    });

  const tokens = projects.command('token').description('Tokens of the current project (the one of --token / DOCKHAND_TOKEN / credentials.json).');
  tokens
    .command('create')
    .description('Create another token of the current project and print it (shown once; keep it).')
    .option('--read-only', 'a token that may list and read (tasks, logs, traces, code, schedules, nodes) but not queue, cancel, upload or change anything')
    .addHelpText('after', '\nExamples:\n  dockhand projects token create --read-only          # share a dashboard with viewers\n  dockhand projects token create --json\n')
    .action(async (options: { readOnly?: boolean }, command: Command) => {
      const issued = await clientFor(command).tokens.create({ readOnly: options.readOnly === true });
      if (globalOptions(command).json) {
        printJson(issued);
        return;
      }
      info(`Created a ${issued.read_only ? 'read-only' : 'full'} token; it is shown only now.`);
      process.stdout.write(`token: ${issued.token}\n`);
    });
}
