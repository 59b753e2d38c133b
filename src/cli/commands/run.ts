/**
 * `dockhand run <dir> --stack S`: one run of a directory through the same container path as the fleet
 * (same image, isolation, contract), with no server, Redis or queue. The inner loop for writing a worker.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import Docker from 'dockerode';
import { newId } from '../../core/ids.ts';
import { LIMITS } from '../../core/limits.ts';
import { parseSettings } from '../../core/settings.ts';
import { DockerRuntime } from '../../runtime/docker-runtime.ts';
import { assertRuntimeRegistered } from '../../runtime/oci-runtime.ts';
import { buildContainerSpec } from '../../runtime/container-spec.ts';
import { packDirectory } from '../../sdk/pack-directory.ts';
import { loadStackCatalog } from '../../stacks/catalog.ts';
import { resolveStackImage } from '../../stacks/images.ts';
import { canonicalizeArchive } from '../../store/archive/canonicalize.ts';
import { payloadText } from '../../service/tasks.ts';
import { runAttempt } from '../../worker/task-runner.ts';
import { globalOptions } from '../client.ts';
import { CliExit, EXIT_CODES, formatDuration, info, printJson } from '../output.ts';
import { exitCodeFor, parsePayload } from './task.ts';

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
    .addHelpText('after', '\nExample:\n  dockhand run examples/hello-python --stack python-3.13 --payload \'{"name":"me"}\'\n')
    .action(async (dir: string, options: { stack: string; command?: string; payload?: string; timeout: number; memory: number; network?: boolean }, command: Command) => {
      const docker = new Docker();
      const runtime = new DockerRuntime(docker);
      // The same OCI runtime the fleet's workers would use (DOCKHAND_RUNTIME), checked the same way.
      const settings = parseSettings(process.env);
      const ociRuntime = settings.DOCKHAND_RUNTIME;
      if (ociRuntime) assertRuntimeRegistered(ociRuntime, await runtime.runtimes());
      if (options.network) await runtime.ensureTaskNetwork(settings.DOCKHAND_TASK_NETWORK);
      const catalog = await loadStackCatalog();
      const image = await resolveStackImage(docker, catalog, options.stack);
      const tmp = await mkdtemp(path.join(os.tmpdir(), 'dockhand-run-'));
      try {
        const canonical = await canonicalizeArchive(packDirectory(dir), 'tar.gz', { tmpDir: tmp });
        const taskId = newId();
        const spec = buildContainerSpec({
          taskId, attempt: 1, projectId: 'local', codeName: path.basename(path.resolve(dir)), nodeId: 'local',
          image: image.ref, command: options.command ?? catalog.runCommand(options.stack), envVars: {},
          memoryMb: options.memory, cpus: 1, network: options.network === true,
          ...(ociRuntime ? { runtime: ociRuntime } : {}),
          ...(options.network ? { networkName: settings.DOCKHAND_TASK_NETWORK } : {}),
        });
        const json = globalOptions(command).json;
        const outcome = await runAttempt(runtime, {
          spec,
          code: async () => createReadStream(canonical.path),
          payload: options.payload !== undefined ? payloadText(parsePayload(options.payload)) : '',
          timeoutMs: options.timeout * 1000,
          logCapBytes: LIMITS.logCapBytes,
          resultMaxBytes: LIMITS.resultMaxBytes,
          onLog: json ? undefined : (chunk) => (chunk.stream === 'stdout' ? process.stdout : process.stderr).write(chunk.data),
        });
        const summary = { id: taskId, status: outcome.status, exit_code: outcome.exitCode, duration: outcome.durationMs, msg: outcome.msg, error_class: outcome.errorClass, result: outcome.result, log: outcome.log.toString('utf8') };
        if (json) printJson(summary);
        else {
          if (outcome.result !== undefined) console.log(`result: ${JSON.stringify(outcome.result)}`);
          info(`${outcome.status} in ${formatDuration(outcome.durationMs)}${outcome.exitCode !== undefined ? `, exit ${outcome.exitCode}` : ''}${outcome.msg ? ` - ${outcome.msg}` : ''}`);
        }
        process.exitCode = exitCodeFor({ status: outcome.status } as Parameters<typeof exitCodeFor>[0]);
      } catch (err) {
        if (err instanceof CliExit) throw err;
        throw new CliExit(EXIT_CODES.failed, (err as Error).message);
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    });
}
