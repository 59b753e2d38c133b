/**
 * The work behind `dockhand run`: pack the directory, validate it like an upload, build its
 * dependencies when the stack has a rule for it (as the server does at upload), and run it once
 * through the same container path as the fleet. Loaded only when the command runs (dockerode and the
 * archive code are heavy to import).
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { newId } from '../../core/ids.ts';
import { LIMITS } from '../../core/limits.ts';
import { parseSettings } from '../../core/settings.ts';
import { buildContainerSpec } from '../../runtime/container-spec.ts';
import { DockerRuntime } from '../../runtime/docker-runtime.ts';
import { assertRuntimeRegistered } from '../../runtime/oci-runtime.ts';
import { packDirectory } from '../../sdk/pack-directory.ts';
import { payloadText } from '../../service/tasks.ts';
import { loadStackCatalog } from '../../stacks/catalog.ts';
import { resolveStackImage } from '../../stacks/images.ts';
import { buildPackage } from '../../stacks/package-build.ts';
import { extraCertificates, trustNote } from '../../stacks/extra-certificates.ts';
import { canonicalizeArchive } from '../../store/archive/canonicalize.ts';
import { topLevelNames } from '../../store/archive/top-level-names.ts';
import { runAttempt } from '../../worker/task-runner.ts';
import { CliExit, EXIT_CODES, formatDuration, info, printJson } from '../output.ts';
import { exitCodeFor, parsePayload } from '../commands/task.ts';

export interface RunLocalOptions {
  stack: string;
  command?: string;
  payload?: string;
  timeout: number;
  memory: number;
  network?: boolean;
  json?: boolean;
}

export async function runLocal(dir: string, options: RunLocalOptions): Promise<void> {
  const docker = new Docker();
  const runtime = new DockerRuntime(docker);
  // The same OCI runtime and task network the fleet's workers would use, checked the same way.
  const settings = parseSettings(process.env);
  const ociRuntime = settings.DOCKHAND_RUNTIME;
  if (ociRuntime) assertRuntimeRegistered(ociRuntime, await runtime.runtimes());
  if (options.network) await runtime.ensureTaskNetwork(settings.DOCKHAND_TASK_NETWORK);
  const catalog = await loadStackCatalog();
  const image = await resolveStackImage(docker, catalog, options.stack);
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'dockhand-run-'));
  try {
    let canonical = await canonicalizeArchive(packDirectory(dir), 'tar.gz', { tmpDir: tmp });
    // Dependencies (or a compile) are built first, as the server would at upload.
    const depsCommand = catalog.depsCommand(options.stack, await topLevelNames(createReadStream(canonical.path)));
    if (depsCommand !== undefined) {
      const source = canonical.path;
      const extraCa = await extraCertificates(settings);
      info(`  | [dockhand] building the package on ${options.stack}${trustNote(extraCa)}`);
      const built = await buildPackage(runtime, {
        image: image.id,
        command: depsCommand,
        code: async () => createReadStream(source),
        tmpDir: tmp,
        ...(extraCa ? { extraCaPem: extraCa.pem, extraCaSource: extraCa.source } : {}),
        memoryMb: 3072,
        cpus: 2,
        timeoutMs: 900_000,
        onLog: (line) => info(`  | ${line}`),
      });
      canonical = built.archive;
    }
    const taskId = newId();
    const spec = buildContainerSpec({
      taskId, attempt: 1, projectId: 'local', codeName: path.basename(path.resolve(dir)), nodeId: 'local',
      image: image.ref, command: options.command ?? catalog.runCommand(options.stack), envVars: {},
      memoryMb: options.memory, cpus: 1, network: options.network === true,
      ...(ociRuntime ? { runtime: ociRuntime } : {}),
      ...(options.network ? { networkName: settings.DOCKHAND_TASK_NETWORK } : {}),
    });
    const outcome = await runAttempt(runtime, {
      spec,
      code: async () => createReadStream(canonical.path),
      payload: options.payload !== undefined ? payloadText(parsePayload(options.payload)) : '',
      timeoutMs: options.timeout * 1000,
      logCapBytes: LIMITS.logCapBytes,
      resultMaxBytes: LIMITS.resultMaxBytes,
      ...(options.json ? {} : { onLog: (chunk) => (chunk.stream === 'stdout' ? process.stdout : process.stderr).write(chunk.data) }),
    });
    if (options.json) {
      printJson({ id: taskId, status: outcome.status, exit_code: outcome.exitCode, duration: outcome.durationMs, msg: outcome.msg, error_class: outcome.errorClass, result: outcome.result, log: outcome.log.toString('utf8') });
    } else {
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
}
