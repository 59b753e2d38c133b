/**
 * Runs one attempt of one task in one container, from create to remove (docs/architecture.md, "The
 * path of a task"): create, attach, start, stream code and payload over stdin, collect the capped log
 * and the result, and race the exit against the deadline, a stop from outside (cancel, drain, lost
 * lease) and the log cap; SIGKILL on any of those. Whatever happens,
 * the container is removed before this returns or throws. It records nothing itself: the caller turns
 * the outcome into a status change.
 *
 *   const outcome = await runAttempt(runtime, { spec, code, payload: '{}', timeoutMs: 60_000,
 *     logCapBytes: MiB, resultMaxBytes: MiB, signal, onLog: (c) => sink.write(c) });
 *   outcome.status // 'complete' | 'error' | 'timeout' | 'cancelled'
 *
 * Failures of Dockhand or the engine (create conflict, dropped limits, the code store failing mid
 * stream) are thrown as DhError; anything the task itself did is an outcome.
 */
import type { Readable } from 'node:stream';
import { errorClassOfExit, type ErrorClass } from '../core/error-class.ts';
import { DhError, isDhError } from '../core/errors.ts';
import { MiB } from '../core/limits.ts';
import type { FinishedStatus } from '../core/task-status.ts';
import type { ContainerExit, ContainerHandle, ContainerRuntime, ContainerSpec, OutputChunk } from '../runtime/port.ts';
import { OutputCollector, formatBytes } from './output-collector.ts';
import { outsideStopOf, type StopReason } from './stop-reason.ts';
import { newResultBoundary, taskInput } from './task-input.ts';

/** The steps of an attempt in order; `collecting` drains the output after the exit, `result` reads the result. */
export type AttemptPhase = 'creating' | 'starting' | 'running' | 'collecting' | 'result' | 'removing';

/** What is known about the container when a phase begins (nothing before it exists). */
export interface PhaseDetail {
  containerId?: string;
  /** From `collecting` on: how the task's process exited. */
  exitCode?: number;
}

/** A started container of the warm pool, attached and blocked reading its stdin (warm-pool.ts). */
export interface WarmContainer {
  handle: ContainerHandle;
  input: NodeJS.WritableStream;
  output: AsyncIterable<OutputChunk>;
}

export interface AttemptRequest {
  spec: ContainerSpec;
  /**
   * Run in this warm container instead of creating one: it takes the spec's name and then the task,
   * exactly as a cold one would (its class matches the spec's image and limits). Removed afterwards.
   */
  warm?: WarmContainer;
  /** The task's command and environment as a script a warm container runs (warm-spec.ts). */
  startScript?: string;
  /** Opens the stored code archive (.tar.gz, entries under task/); absent for image-only packages. */
  code?: () => Promise<Readable>;
  /** How stdin is framed for the image's entry script (task-input.ts); custom images take `tar`. */
  inputFormat?: 'members' | 'tar';
  payload: string;
  config?: string;
  /** Measured from the moment the container started, or a warm one was handed the task. */
  timeoutMs: number;
  logCapBytes: number;
  resultMaxBytes: number;
  /** Aborting it cancels the attempt: the container is killed and the outcome is `cancelled`. */
  signal?: AbortSignal;
  onLog?: (chunk: OutputChunk) => void;
  onPhase?: (phase: AttemptPhase, atMs: number, detail: PhaseDetail) => void;
  /**
   * Runs once the container has started and before it receives its code, so nothing of the task runs
   * yet (the egress grants of its address go in here). A failure kills the container and fails the attempt.
   */
  afterStart?: (handle: ContainerHandle) => Promise<void>;
}

export interface AttemptTimings {
  createMs: number;
  startMs: number;
  runMs: number;
  removeMs: number;
}

export interface AttemptOutcome {
  status: FinishedStatus;
  exitCode?: number;
  oomKilled: boolean;
  errorClass?: ErrorClass;
  msg?: string;
  log: Buffer;
  /** The parsed JSON of the result file, or its text when it is not JSON. */
  result?: unknown;
  /** Why `result` is text or absent although the task wrote one. */
  resultNote?: string;
  logTruncated: boolean;
  /** When the container started and when its exit was seen; durationMs is the span between. */
  startedAt: Date;
  endedAt: Date;
  durationMs: number;
  timings: AttemptTimings;
  /** Set when the container could not be removed even after retries; the reconciler will. */
  removeError?: string;
  /** The engine's connection broke while the container ran (dockerd restarting): see ContainerExit. */
  engineInterrupted?: boolean;
}

export interface RunnerClock {
  now(): number;
}

const systemClock: RunnerClock = { now: () => Date.now() };

/** Held stdout (a possible start of the result marker) becomes log after this much silence. */
const HELD_OUTPUT_IDLE_MS = 50;

/** How long to wait for the last output after the exit before closing the attach stream. */
const OUTPUT_DRAIN_MS = 5_000;

export async function runAttempt(runtime: ContainerRuntime, request: AttemptRequest, clock: RunnerClock = systemClock): Promise<AttemptOutcome> {
  const detail: PhaseDetail = {};
  const phase = (name: AttemptPhase, at: number, learned: PhaseDetail = {}): void => {
    Object.assign(detail, learned);
    guard(() => request.onPhase?.(name, at, { ...detail }));
  };
  const createdFrom = clock.now();
  phase('creating', createdFrom);
  const handle = request.warm ? await handOff(request.warm, request.spec.name) : await runtime.create(request.spec);
  detail.containerId = handle.id;
  const createMs = clock.now() - createdFrom;

  let outcome: Omit<AttemptOutcome, 'timings'> & { timings: Omit<AttemptTimings, 'removeMs'> };
  let failure: { error: unknown } | undefined;
  try {
    outcome = await runCreated(handle, request, clock, phase, createMs);
  } catch (error) {
    failure = { error };
  }

  const removeFrom = clock.now();
  phase('removing', removeFrom);
  let removeError: string | undefined;
  try {
    await handle.remove();
  } catch (err) {
    removeError = err instanceof Error ? err.message : String(err);
  }
  const removeMs = clock.now() - removeFrom;

  if (failure !== undefined) throw failure.error;
  const done = { ...outcome!, timings: { ...outcome!.timings, removeMs } };
  return removeError === undefined ? done : { ...done, removeError };
}

/** A warm container takes the attempt's name, so docker ps and the reconciler see whose it is; a clash removes it. */
async function handOff(warm: WarmContainer, name: string): Promise<ContainerHandle> {
  try {
    await warm.handle.rename(name);
  } catch (err) {
    await warm.handle.remove().catch(() => undefined);
    throw err;
  }
  return warm.handle;
}

type Phase = (name: AttemptPhase, at: number, learned?: PhaseDetail) => void;

async function runCreated(
  handle: ContainerHandle,
  request: AttemptRequest,
  clock: RunnerClock,
  phase: Phase,
  createMs: number,
): Promise<Omit<AttemptOutcome, 'timings'> & { timings: Omit<AttemptTimings, 'removeMs'> }> {
  if (request.signal?.aborted) return cancelledBeforeStart(clock, createMs);

  const { input, output } = request.warm ?? (await handle.attach());
  // A write after the container closed stdin is expected when a task ignores its input; the exit
  // status tells what happened, so socket errors on the input side are not failures of their own.
  input.on('error', () => undefined);
  const boundary = newResultBoundary();
  const collector = new OutputCollector({
    boundary,
    logCapBytes: request.logCapBytes,
    resultMaxBytes: request.resultMaxBytes,
    onLog: (chunk) => guard(() => request.onLog?.(chunk)),
  });
  const stops = new StopSignals();
  const quiet = new QuietTimer(HELD_OUTPUT_IDLE_MS, () => collector.flush());
  const collecting = (async () => {
    try {
      for await (const chunk of output) {
        if (collector.push(chunk) === 'cap-exceeded') stops.fire('log-cap');
        if (collector.holding) quiet.arm();
      }
    } finally {
      quiet.cancel();
    }
  })();
  collecting.catch((err: unknown) => stops.fail(dhFailure(err, handle, 'reading the output of')));

  if (request.signal?.aborted) return cancelledBeforeStart(clock, createMs);
  const startFrom = clock.now();
  phase('starting', startFrom);
  if (!request.warm) await handle.start();
  if (request.afterStart) {
    try {
      await request.afterStart(handle);
    } catch (err) {
      await handle.kill().catch(() => undefined);
      throw err;
    }
  }
  const startedAtMs = clock.now();
  phase('running', startedAtMs);

  const source = taskInput({
    ...(request.code !== undefined ? { code: request.code } : {}),
    payload: request.payload,
    ...(request.config !== undefined ? { config: request.config } : {}),
    ...(request.inputFormat ? { format: request.inputFormat } : {}),
    ...(request.startScript !== undefined ? { startScript: request.startScript } : {}),
    boundary,
  });
  source.on('error', (err) => stops.fail(dhFailure(err, handle, 'sending the code and payload to')));
  source.pipe(input);

  const deadline = setTimeout(() => stops.fire('timeout'), request.timeoutMs);
  const onAbort = (): void => stops.fire(outsideStopOf(request.signal) ?? 'cancel');
  request.signal?.addEventListener('abort', onAbort, { once: true });
  if (request.signal?.aborted) onAbort();

  const waiting = handle.wait();
  // Awaited below unless a failure wins the race first; then its rejection has no one to tell.
  waiting.catch(() => undefined);
  let reason: StopReason;
  let exit: ContainerExit;
  try {
    reason = await Promise.race([waiting.then(() => 'exit' as const), stops.first]);
    if (reason !== 'exit') await handle.kill();
    exit = await waiting;
  } finally {
    clearTimeout(deadline);
    request.signal?.removeEventListener('abort', onAbort);
    source.unpipe(input);
    source.destroy();
  }
  const endedAtMs = clock.now();
  phase('collecting', endedAtMs, { exitCode: exit.exitCode });

  await drain(collecting, input);
  collector.end();
  phase('result', clock.now());

  const verdict = classifyAttempt({
    reason,
    exit,
    memoryBytes: request.spec.limits.memoryBytes,
    timeoutMs: request.timeoutMs,
    logCapBytes: request.logCapBytes,
  });
  const result = readResult(collector, request.resultMaxBytes);
  let log = collector.log;
  if (result.note !== undefined) {
    const notice = Buffer.from(`${log.length > 0 && log[log.length - 1] !== 0x0a ? '\n' : ''}[dockhand] ${result.note}\n`);
    guard(() => request.onLog?.({ stream: 'stderr', data: notice }));
    log = Buffer.concat([log, notice]);
  }

  return {
    ...verdict,
    exitCode: exit.exitCode,
    oomKilled: exit.oomKilled,
    ...(exit.engineInterrupted ? { engineInterrupted: true } : {}),
    log,
    ...(result.value !== undefined ? { result: result.value } : {}),
    ...(result.note !== undefined ? { resultNote: result.note } : {}),
    logTruncated: collector.logTruncated,
    startedAt: new Date(startedAtMs),
    endedAt: new Date(endedAtMs),
    durationMs: endedAtMs - startedAtMs,
    timings: { createMs, startMs: startedAtMs - startFrom, runMs: endedAtMs - startedAtMs },
  };
}

/** What the outcome says about how the attempt ended. Pure. */
export function classifyAttempt(input: {
  reason: StopReason;
  exit: ContainerExit;
  memoryBytes: number;
  timeoutMs: number;
  logCapBytes: number;
}): { status: FinishedStatus; msg?: string; errorClass?: ErrorClass } {
  switch (input.reason) {
    case 'timeout':
      return { status: 'timeout', msg: `killed: timed out after ${formatSeconds(input.timeoutMs)}` };
    // A drain or a lost lease ends the run as a cancel; settle-policy.ts queues those attempts again.
    case 'cancel':
    case 'drain':
    case 'revoked':
      return { status: 'cancelled', msg: 'killed: cancelled' };
    case 'log-cap':
      return { status: 'error', msg: `killed: log exceeded ${formatBytes(input.logCapBytes)}`, errorClass: 'Log Limit' };
    case 'exit': {
      const { exitCode, oomKilled } = input.exit;
      // The OOM flag is set for any kill in the container's cgroup; a task that survived one exits 0.
      if (oomKilled && exitCode !== 0) {
        return { status: 'error', msg: `killed: out of memory (limit ${formatMemory(input.memoryBytes)})`, errorClass: 'OOM' };
      }
      if (exitCode === 0) return { status: 'complete' };
      return { status: 'error', msg: `exited with code ${exitCode}`, errorClass: errorClassOfExit(exitCode) };
    }
  }
}

function readResult(collector: OutputCollector, resultMaxBytes: number): { value?: unknown; note?: string } {
  if (collector.resultTooLarge) return { note: `result exceeded ${formatBytes(resultMaxBytes)} and was dropped` };
  const bytes = collector.result;
  if (bytes === undefined || bytes.length === 0) return {};
  const text = bytes.toString('utf8');
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return { value: text, note: 'result is not JSON; kept as text' };
  }
}

function cancelledBeforeStart(clock: RunnerClock, createMs: number): Omit<AttemptOutcome, 'timings'> & { timings: Omit<AttemptTimings, 'removeMs'> } {
  const now = new Date(clock.now());
  return {
    status: 'cancelled',
    msg: 'cancelled before start',
    oomKilled: false,
    log: Buffer.alloc(0),
    logTruncated: false,
    startedAt: now,
    endedAt: now,
    durationMs: 0,
    timings: { createMs, startMs: 0, runMs: 0 },
  };
}

/** Waits for the output to end after the exit; a stream left open past the grace period is closed. */
async function drain(collecting: Promise<void>, input: NodeJS.WritableStream): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), OUTPUT_DRAIN_MS);
  });
  try {
    const first = await Promise.race([collecting.then(() => 'done' as const, () => 'done' as const), timedOut]);
    if (first === 'timeout' && 'destroy' in input && typeof input.destroy === 'function') (input as { destroy(): void }).destroy();
  } finally {
    clearTimeout(timer);
  }
}

/** Runs a callback once the stream has been silent for a while; each new arm restarts the wait. */
class QuietTimer {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly idleMs: number,
    private readonly onQuiet: () => void,
  ) {}

  arm(): void {
    this.cancel();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.onQuiet();
    }, this.idleMs);
  }

  cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** The first reason to stop, or the first internal failure (which rejects). */
class StopSignals {
  readonly first: Promise<StopReason>;
  private resolve!: (reason: StopReason) => void;
  private reject!: (err: unknown) => void;

  constructor() {
    this.first = new Promise<StopReason>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // Nobody may be listening any more when a late failure arrives.
    this.first.catch(() => undefined);
  }

  fire(reason: StopReason): void {
    this.resolve(reason);
  }

  fail(err: unknown): void {
    this.reject(err);
  }
}

function dhFailure(err: unknown, handle: ContainerHandle, doing: string): DhError {
  if (isDhError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new DhError('DH_ERR_INTERNAL', `Failed ${doing} container ${handle.name}: ${message}`, { container: handle.name, id: handle.id });
}

/** Hooks belong to the caller (logging, telemetry); their failures never change the task. */
function guard(hook: () => void): void {
  try {
    hook();
  } catch {
    // deliberately ignored, see above
  }
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** IronWorker wrote memory in MB; Dockhand's MB are MiB, as `--memory` takes them. */
function formatMemory(bytes: number): string {
  return bytes % MiB === 0 ? `${bytes / MiB} MB` : `${(bytes / MiB).toFixed(1)} MB`;
}
