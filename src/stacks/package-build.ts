/**
 * Builds an uploaded code package once, at upload: its dependencies installed (or, for Go, the program
 * compiled) by the stack's dependency command, in a short-lived container of the stack's own image.
 * The container is a task container in all but two ways: it has network (registries) and more room
 * (a 1 GiB /tmp for caches); it stays non-root, capability-free, read-only at the root and limited in
 * memory, CPU, pids and time. The code goes in over stdin as for a task; the built package comes back
 * as a gzip'd tar on stdout, while the command's own output (stdout and stderr) goes to stderr, which
 * is streamed to the caller line by line as the build log. The result is checked and canonicalised
 * exactly like an upload, so it is stored and run like any package.
 *
 *   const built = await buildPackage(runtime, { image, command: 'npm ci --omit=dev', code, tmpDir,
 *     onLog: (line) => send(line) });
 *   await codeStore.put(built.archive.path, built.archive.sha256);
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { PassThrough, Readable } from 'node:stream';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import tar from 'tar-stream';
import { DhError, isDhError } from '../core/errors.ts';
import { LIMITS, MiB } from '../core/limits.ts';
import { buildContainerSpec } from '../runtime/container-spec.ts';
import type { ContainerRuntime, ContainerSpec } from '../runtime/port.ts';
import { canonicalizeArchive, type CanonicalArchive } from '../store/archive/canonicalize.ts';
import { certificateFailureHint, type CertificateSource } from './certificate-failure.ts';

const gzipAsync = promisify(gzip);
const GiB = 1024 * MiB;

export interface PackageBuildRequest {
  /** The stack image to build in (a ref or an id). */
  image: string;
  /** The stack's dependency command, a shell line run in the package directory. */
  command: string;
  /** Opens the stored package (.tar.gz, entries under task/). */
  code: () => Promise<Readable>;
  /** Where the built archive is written before it is stored. */
  tmpDir: string;
  /** PEM certificates the build trusts besides the image's own (e.g. a TLS-inspecting proxy's CA). */
  extraCaPem?: string;
  /** The setting `extraCaPem` came from, for the hint of a build that fails on a certificate. */
  extraCaSource?: CertificateSource;
  memoryMb: number;
  cpus: number;
  timeoutMs: number;
  /** The Docker network the build joins (the fleet's task network); absent: the engine's bridge. */
  networkName?: string;
  /** Each line of the build log, as it comes. */
  onLog?: (line: string) => void;
  /** For the container's labels and errors: which package this is. */
  label?: string;
}

export interface PackageBuild {
  /** The built package: a canonical archive in tmpDir, for the caller to store or remove. */
  archive: CanonicalArchive;
  seconds: number;
}

/** Lines of the build log kept for the error of a failed build. */
const TAIL_LINES = 60;
/** Build log streamed to the caller; past it the build goes on and the rest is only counted. */
const LOG_STREAM_CAP_BYTES = 2 * MiB;

/**
 * Run by the image's entry script in the package directory. Extra certificates are appended to the
 * system bundle and named by every variable the common tools read (OpenSSL, pip, requests, curl, git,
 * npm, Node). The command's stdout joins stderr, so stdout carries only the built package.
 */
export const BUILD_SCRIPT = [
  'set -eu',
  'if [ -s /run/dockhand/extra-ca.pem ]; then',
  '  cat /etc/ssl/certs/ca-certificates.crt /run/dockhand/extra-ca.pem > /tmp/dockhand-ca.pem',
  '  export SSL_CERT_FILE=/tmp/dockhand-ca.pem REQUESTS_CA_BUNDLE=/tmp/dockhand-ca.pem PIP_CERT=/tmp/dockhand-ca.pem CURL_CA_BUNDLE=/tmp/dockhand-ca.pem GIT_SSL_CAINFO=/tmp/dockhand-ca.pem npm_config_cafile=/tmp/dockhand-ca.pem NODE_EXTRA_CA_CERTS=/run/dockhand/extra-ca.pem',
  '  echo "[dockhand] trusting the extra CA certificates of this server" >&2',
  'fi',
  'echo "\\$ $DOCKHAND_BUILD_COMMAND" >&2',
  'sh -c "$DOCKHAND_BUILD_COMMAND" 1>&2',
  'echo "[dockhand] packing the built package" >&2',
  "find . -mindepth 1 -maxdepth 1 -printf '%P\\0' | tar --null -T - -c -z -f -",
].join('\n');

export async function buildPackage(runtime: ContainerRuntime, request: PackageBuildRequest): Promise<PackageBuild> {
  const started = Date.now();
  const id = randomBytes(8).toString('hex');
  const handle = await runtime.create(buildSpec(request, id));
  const log = new BuildLog(request.onLog);
  let canonical: Promise<CanonicalArchive> | undefined;
  try {
    const { input, output } = await handle.attach();
    input.on('error', () => undefined); // the container may close stdin early; its exit says why
    const packed = new PassThrough();
    canonical = canonicalizeArchive(packed, 'tar.gz', {
      tmpDir: request.tmpDir,
      // Dependencies bring many more files than hand-written code; what a task's /task holds caps them.
      limits: { maxEntries: LIMITS.taskDirInodes - 1024, maxTotalBytes: LIMITS.taskDirSizeBytes, maxFileBytes: LIMITS.taskDirSizeBytes, maxUploadBytes: LIMITS.taskDirSizeBytes },
    });
    let packFailed = false;
    const packSettled = canonical.then(() => undefined, () => { packFailed = true; });
    const collecting = (async () => {
      for await (const chunk of output) {
        if (chunk.stream === 'stderr') log.push(chunk.data);
        else if (!packFailed && !packed.write(chunk.data)) await Promise.race([once(packed, 'drain'), packSettled]);
      }
    })();
    collecting.catch(() => undefined);

    await handle.start();
    const source = await buildInput(request);
    source.on('error', () => undefined);
    source.pipe(input);

    const exit = await withDeadline(handle.wait(), request.timeoutMs, () => handle.kill());
    await Promise.race([collecting, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    log.end();
    packed.end();
    if (exit === 'timeout') {
      throw buildFailure(`The dependency build (\`${request.command}\`) did not finish within ${Math.round(request.timeoutMs / 1000)} s and was stopped.`, log, request);
    }
    if (exit.oomKilled && exit.exitCode !== 0) {
      throw buildFailure(`The dependency build (\`${request.command}\`) ran out of memory (${request.memoryMb} MB).`, log, request);
    }
    if (exit.exitCode !== 0) {
      throw buildFailure(`The dependency build (\`${request.command}\`) failed with exit code ${exit.exitCode}.`, log, request);
    }
    try {
      const archive = await canonical;
      return { archive, seconds: (Date.now() - started) / 1000 };
    } catch (err) {
      const why = isDhError(err) ? err.message : (err as Error).message;
      throw buildFailure(`The dependency build (\`${request.command}\`) left a package Dockhand cannot store: ${why}`, log, request);
    }
  } catch (err) {
    // A built archive nobody will store is removed; a failed one cleans up after itself.
    if (canonical) await canonical.then((archive) => rm(archive.path, { force: true }), () => undefined);
    throw err;
  } finally {
    await handle.remove().catch(() => undefined);
  }
}

function buildSpec(request: PackageBuildRequest, id: string): ContainerSpec {
  const spec = buildContainerSpec({
    taskId: id,
    attempt: 1,
    projectId: 'build',
    codeName: request.label ?? 'package',
    nodeId: 'build',
    image: request.image,
    command: BUILD_SCRIPT,
    envVars: { DOCKHAND_BUILD_COMMAND: request.command },
    memoryMb: request.memoryMb,
    cpus: request.cpus,
    network: true,
    ...(request.networkName ? { networkName: request.networkName } : {}),
    limits: { tmpSizeBytes: GiB, taskDirSizeBytes: LIMITS.taskDirSizeBytes, pidsLimit: 1024, fsizeBytes: GiB, nofile: 8192 },
  });
  // Not a task: no task labels (the reconciler owns those), and none of the result plumbing, so
  // stdout carries only the built package.
  const { RESULT_FILE: _result, PAYLOAD_FILE: _payload, CONFIG_FILE: _config, TASK_ID: _task, ...env } = spec.env;
  return {
    ...spec,
    name: `dh-build-${id}`,
    env,
    // Package caches (npm, go) hold many small files.
    limits: { ...spec.limits, tmpInodes: 262_144 },
    labels: { 'dockhand.purpose': 'package-build', 'dockhand.build': id, ...(request.label ? { 'dockhand.code': request.label } : {}) },
  };
}

/** The stored package, then a gzip member with the entry script's boundary and the extra CAs. */
async function buildInput(request: PackageBuildRequest): Promise<Readable> {
  const pack = tar.pack();
  const files: Array<[string, string]> = [['run/dockhand/boundary', `DOCKHAND-BUILD-${randomBytes(16).toString('hex')}`]];
  if (request.extraCaPem) files.push(['run/dockhand/extra-ca.pem', request.extraCaPem]);
  for (const [name, content] of files) pack.entry({ name, mode: 0o600 }, content);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack as AsyncIterable<Buffer>) chunks.push(chunk);
  const runMember = await gzipAsync(Buffer.concat(chunks));
  const code = await request.code();
  return Readable.from((async function* () {
    for await (const bytes of code) yield Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes as Uint8Array);
    yield runMember;
  })());
}

async function withDeadline<T>(work: Promise<T>, timeoutMs: number, onTimeout: () => Promise<void>): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const first = await Promise.race([work, deadline]);
    if (first === 'timeout') {
      await onTimeout().catch(() => undefined);
      await work.catch(() => undefined);
    }
    return first;
  } finally {
    clearTimeout(timer);
  }
}

function buildFailure(message: string, log: BuildLog, request: PackageBuildRequest): DhError {
  const tail = log.tail();
  const hint = certificateFailureHint(tail, request.extraCaPem ? request.extraCaSource ?? 'DOCKHAND_EXTRA_CA_CERTS' : undefined);
  return new DhError('DH_ERR_CODE_BUILD_FAILED', `${message}${hint ? ` ${hint}` : ''} The end of the build log:\n${tail.join('\n')}`, {
    image: request.image,
    command: request.command,
    ...(hint ? { certificate_failure: true } : {}),
  });
}

/** Splits the build's stderr into lines: streamed to the caller (up to a cap), the last ones kept. */
class BuildLog {
  private pending = '';
  private readonly lines: string[] = [];
  private streamed = 0;
  private capped = false;

  constructor(private readonly onLine?: (line: string) => void) {}

  push(data: Buffer): void {
    this.pending += data.toString('utf8');
    let newline: number;
    while ((newline = this.pending.indexOf('\n')) >= 0) {
      this.line(this.pending.slice(0, newline).replace(/\r$/, ''));
      this.pending = this.pending.slice(newline + 1);
    }
  }

  end(): void {
    if (this.pending !== '') this.line(this.pending);
    this.pending = '';
  }

  tail(): string[] {
    return this.lines.length > 0 ? [...this.lines] : ['(the build printed nothing)'];
  }

  private line(text: string): void {
    // Progress bars redraw with carriage returns; the last state of the line is what matters.
    const line = text.slice(text.lastIndexOf('\r') + 1);
    this.lines.push(line);
    if (this.lines.length > TAIL_LINES) this.lines.shift();
    if (!this.onLine || this.capped) return;
    this.streamed += Buffer.byteLength(line) + 1;
    if (this.streamed > LOG_STREAM_CAP_BYTES) {
      this.capped = true;
      guard(() => this.onLine!(`[dockhand] the build log passed ${LOG_STREAM_CAP_BYTES / MiB} MiB; only its end will be shown if the build fails`));
      return;
    }
    guard(() => this.onLine!(line));
  }
}

/** The caller's log hook never breaks a build. */
function guard(hook: () => void): void {
  try {
    hook();
  } catch {
    // deliberately ignored
  }
}
