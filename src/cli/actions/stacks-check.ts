/**
 * The work behind `dockhand stacks check`: each stack's smoke program run through the worker's own
 * attempt runner (same isolation, same stdin contract as a task), judged by its output.
 *
 *   const result = await checkStack(docker, catalog, 'node-20'); // { passed: true, version: '20.19.2', ... }
 */
import { hostname } from 'node:os';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type Docker from 'dockerode';
import { pack } from 'tar-stream';
import { isDhError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { LIMITS } from '../../core/limits.ts';
import { buildContainerSpec } from '../../runtime/container-spec.ts';
import { DockerRuntime } from '../../runtime/docker-runtime.ts';
import type { StackCatalog } from '../../stacks/catalog.ts';
import { resolveStackImage } from '../../stacks/images.ts';
import { judgeSmoke, smokeRun } from '../../stacks/smoke.ts';
import { runAttempt } from '../../worker/task-runner.ts';
import type { StacksDeps } from './stacks-deps.ts';
import { CliExit, EXIT_CODES, formatDuration, printJson, table } from '../output.ts';

const gzipAsync = promisify(gzip);
const SMOKE_TIMEOUT_MS = 120_000;
const SMOKE_MEMORY_MB = 512;

export interface StackCheckResult {
  stack: string;
  version: string | null;
  passed: boolean;
  duration_ms: number;
  /** The smoke program's last output line when it passed, or why it failed. */
  detail: string;
}

export async function checkStacksCommand(deps: StacksDeps, names: string[], options: { json: boolean }): Promise<void> {
  const [docker, catalog] = await Promise.all([deps.docker(), deps.catalog()]);
  const selected = names.length > 0 ? names : catalog.names();
  selected.forEach((name) => catalog.get(name));
  const results: StackCheckResult[] = [];
  for (const name of selected) results.push(await checkStack(docker, catalog, name));
  if (options.json) printJson(results);
  else {
    console.log(table(results.map((r) => ({ stack: r.stack, version: r.version, result: r.passed ? 'ok' : 'FAILED', time: formatDuration(r.duration_ms), detail: r.detail })), ['stack', 'version', 'result', 'time', 'detail']));
  }
  const failed = results.filter((r) => !r.passed);
  if (failed.length > 0) throw new CliExit(EXIT_CODES.failed, `${failed.length} of ${results.length} stack checks failed: ${failed.map((r) => r.stack).join(', ')}.`);
}

/** Runs one stack's smoke test through the worker's own attempt runner and judges the output. */
export async function checkStack(docker: Docker, catalog: StackCatalog, name: string): Promise<StackCheckResult> {
  const started = Date.now();
  const failed = (detail: string, version: string | null = null): StackCheckResult => ({ stack: name, version, passed: false, duration_ms: Date.now() - started, detail });
  let image;
  try {
    image = await resolveStackImage(docker, catalog, name);
  } catch (err) {
    if (isDhError(err)) return failed(err.message);
    throw err;
  }
  const run = smokeRun(catalog, name);
  const spec = buildContainerSpec({
    taskId: newId(),
    attempt: 1,
    projectId: 'stacks-check',
    codeName: `smoke-${name}`,
    nodeId: hostname(),
    image: image.ref,
    command: run.command,
    envVars: {},
    memoryMb: SMOKE_MEMORY_MB,
    cpus: 1,
    network: false,
  });
  const archive = await codeArchive(run.files);
  const outcome = await runAttempt(new DockerRuntime(docker), {
    spec,
    code: async () => Readable.from([archive]),
    payload: run.payload,
    timeoutMs: SMOKE_TIMEOUT_MS,
    logCapBytes: LIMITS.logCapBytes,
    resultMaxBytes: LIMITS.resultMaxBytes,
  });
  const log = outcome.log.toString('utf8');
  const verdict = judgeSmoke(catalog.get(name), { status: outcome.status, ...(outcome.exitCode !== undefined ? { exitCode: outcome.exitCode } : {}), log });
  const version = image.version ?? null;
  if (!verdict.passed) return failed(verdict.reason, version);
  return { stack: name, version, passed: true, duration_ms: Date.now() - started, detail: log.trim().split('\n').pop() ?? '' };
}

/** A code archive as the task runner expects it: a .tar.gz with the files under task/. */
async function codeArchive(files: Record<string, string>): Promise<Buffer> {
  const tar = pack();
  for (const [name, content] of Object.entries(files)) tar.entry({ name: `task/${name}`, mode: 0o644 }, content);
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of tar as AsyncIterable<Buffer>) chunks.push(chunk);
  return gzipAsync(Buffer.concat(chunks));
}
