/**
 * `dockhand run <dir> --stack S`: one run of a directory through the same container path as the fleet
 * (same image, isolation, contract), with no server, Redis or queue. The inner loop for writing a worker.
 */
import type { Command } from 'commander';
import { LIMITS } from '../../core/limits.ts';
import { globalOptions } from '../client.ts';

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('Run a directory once, locally, in a task container exactly as the fleet would (no server or queue needed).')
    .argument('<dir>', 'the code directory')
    .requiredOption('--stack <stack>', 'the stack to run on (see `dockhand stacks list`)')
    .option('--command <cmd>', 'shell command to run (default: the stack\'s run command)')
    .option('--payload <json|@file>', 'the payload')
    .option('--timeout <s>', 'seconds before the task is killed', (v) => Number(v), 60)
    .option('--memory <mb>', 'memory limit in MB', (v) => Number(v), LIMITS.memoryDefaultMb)
    .option('--network', 'give the task network access')
    .addHelpText('after', '\nExit codes: 0 complete, 10 error, 11 timeout, 1 could not run.\n\nExample:\n  dockhand run examples/hello-python --stack python-3.13 --payload \'{"name":"me"}\'\n')
    .action(async (dir: string, options: { stack: string; command?: string; payload?: string; timeout: number; memory: number; network?: boolean }, command: Command) => {
      const { runLocal } = await import('../actions/run-local.ts');
      await runLocal(dir, { ...options, json: globalOptions(command).json === true });
    });
}
