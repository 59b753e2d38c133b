/**
 * `dockhand stacks ...`: the language stacks of this host. `list` shows each stack's image state,
 * `build` builds the base and stack images (content-hash tagged, so a current image is never rebuilt),
 * `check` runs each stack's smoke test in a real task container with the fleet's isolation defaults.
 * These talk to the local Docker engine, not to a server: images live per host.
 */
import { hostname } from 'node:os';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Command } from 'commander';
import Docker from 'dockerode';
import { pack } from 'tar-stream';
import { isDhError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { LIMITS } from '../../core/limits.ts';
import { buildContainerSpec } from '../../runtime/container-spec.ts';
import { DockerRuntime } from '../../runtime/docker-runtime.ts';
import { buildStacks, type BuildReport } from '../../stacks/build.ts';
import { loadStackCatalog, type StackCatalog } from '../../stacks/catalog.ts';
import { resolveStackImage } from '../../stacks/images.ts';
import { stackInventory } from '../../stacks/inventory.ts';
import { judgeSmoke, smokeRun } from '../../stacks/smoke.ts';
import { runAttempt } from '../../worker/task-runner.ts';
import { globalOptions } from '../client.ts';
import { CliExit, EXIT_CODES, formatBytes, formatDuration, info, printJson, table } from '../output.ts';

/** What the stacks commands need from outside; tests and embedders may supply their own. */
export interface StacksCommandContext {
  docker?: () => Docker;
  catalog?: () => Promise<StackCatalog>;
}

const gzipAsync = promisify(gzip);
const SMOKE_TIMEOUT_MS = 60_000;
const SMOKE_MEMORY_MB = 256;

export function registerStacksCommands(program: Command, ctx: StacksCommandContext = {}): void {
  const docker = ctx.docker ?? (() => new Docker());
  const catalog = ctx.catalog ?? (() => loadStackCatalog());
  const stacks = program
    .command('stacks')
    .description('Language stacks on this host: list them, build their images, check them.')
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
base; STATE is built (current image present), stale (an older build exists) or missing.`)
    .action(async (_options: unknown, command: Command) => {
      const rows = await stackInventory(docker(), await catalog());
      if (globalOptions(command).json) return printJson(rows);
      console.log(table(rows.map((row) => ({
        name: row.name,
        language: row.language,
        version: row.version,
        base: row.base,
        image_id: row.image_id?.replace(/^sha256:/, '').slice(0, 12),
        own_size: row.own_size === null ? null : formatBytes(row.own_size),
        built_at: row.built_at?.replace(/\.\d+Z$/, 'Z'),
        state: row.state,
      })), ['name', 'language', 'version', 'base', 'image_id', 'own_size', 'built_at', 'state']));
    });

  stacks
    .command('build')
    .description('Build the base and stack images (all stacks, or the NAMEs given); current images are kept.')
    .argument('[names...]', 'stacks to build (default: every defined stack)')
    .option('--parallel <n>', 'stacks built at once after their base', positiveInteger('--parallel'), 2)
    .option('--no-cache', 'rebuild even current images from scratch (picks up Debian security updates)')
    .option('--json', 'print the build report as JSON on stdout')
    .addHelpText('after', `
Progress goes to stderr, one line per build step. Without a local debian:<release>-slim image and with
no registry in reach, the Debian base is built from packages with debootstrap (needs root and a Debian
mirror; DOCKHAND_DEBIAN_MIRROR overrides deb.debian.org). Exit code 1 if any image failed.

Examples:
  dockhand stacks build                       every stack
  dockhand stacks build node-20 --parallel 1`)
    .action(async (names: string[], options: { parallel: number; cache: boolean }, command: Command) => {
      const cat = await catalog();
      const started = Date.now();
      const report = await buildStacks(docker(), cat, names.length > 0 ? names : cat.names(), {
        parallel: options.parallel,
        noCache: !options.cache,
        onEvent: (event) => info(`[${event.image}] ${event.message}`),
      });
      if (globalOptions(command).json) printJson(buildReportJson(report));
      else console.log(buildSummary(report));
      info(`${report.ok ? 'done' : 'failed'} in ${formatDuration(Date.now() - started)}`);
      if (!report.ok) throw new CliExit(EXIT_CODES.failed, firstFailure(report));
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
      const cat = await catalog();
      const engine = docker();
      const selected = names.length > 0 ? names : cat.names();
      selected.forEach((name) => cat.get(name));
      const results: StackCheckResult[] = [];
      for (const name of selected) results.push(await checkStack(engine, cat, name));
      if (globalOptions(command).json) printJson(results);
      else {
        console.log(table(results.map((r) => ({ stack: r.stack, version: r.version, result: r.passed ? 'ok' : 'FAILED', time: formatDuration(r.duration_ms), detail: r.detail })), ['stack', 'version', 'result', 'time', 'detail']));
      }
      const failed = results.filter((r) => !r.passed);
      if (failed.length > 0) throw new CliExit(EXIT_CODES.failed, `${failed.length} of ${results.length} stack checks failed: ${failed.map((r) => r.stack).join(', ')}.`);
    });
}

export interface StackCheckResult {
  stack: string;
  version: string | null;
  passed: boolean;
  duration_ms: number;
  /** The smoke program's last output line when it passed, or why it failed. */
  detail: string;
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

function buildSummary(report: BuildReport): string {
  const rows = [
    ...report.bases.map((b) => ({ image: `base-${b.release}`, version: `debian ${b.release}`, own_size: b.ownSize === undefined ? null : formatBytes(b.ownSize), time: formatDuration(Math.round(b.seconds * 1000)), result: b.status })),
    ...report.stacks.map((s) => ({ image: s.name, version: s.version, own_size: s.ownSize === undefined ? null : formatBytes(s.ownSize), time: formatDuration(Math.round(s.seconds * 1000)), result: s.status })),
  ];
  return table(rows, ['image', 'version', 'own_size', 'time', 'result']);
}

function buildReportJson(report: BuildReport): unknown {
  return {
    ok: report.ok,
    bases: report.bases.map((b) => ({ release: b.release, status: b.status, image: b.ref ?? null, image_id: b.id ?? null, size: b.size ?? null, own_size: b.ownSize ?? null, seconds: b.seconds, error: b.error?.message ?? null })),
    stacks: report.stacks.map((s) => ({ name: s.name, status: s.status, image: s.ref ?? null, image_id: s.id ?? null, version: s.version ?? null, own_size: s.ownSize ?? null, seconds: s.seconds, error: s.error?.message ?? null })),
  };
}

function firstFailure(report: BuildReport): string {
  const failures = [...report.bases.map((b) => b.error), ...report.stacks.map((s) => s.error)].filter((e) => e !== undefined);
  const count = failures.length;
  return `${count} image build${count === 1 ? '' : 's'} failed; the first: ${failures[0]?.message ?? 'unknown error'}`;
}

function positiveInteger(option: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new CliExit(EXIT_CODES.usage, `${option} expects a whole number of at least 1, got "${value}".`);
    return n;
  };
}
