/**
 * The runner's decisions and guarantees with an in-memory ContainerRuntime (the port, not Docker):
 * how an end is classified, that the container is always removed, and that caller hooks cannot break
 * an attempt. Real containers are exercised in test/integration/task-runner.test.ts.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DhError } from '../core/errors.ts';
import { MiB } from '../core/limits.ts';
import type { ContainerExit, ContainerHandle, ContainerRuntime, ContainerSpec, ContainerSummary, OutputChunk } from '../runtime/port.ts';
import { classifyAttempt, runAttempt, type AttemptRequest } from './task-runner.ts';

describe('classifyAttempt', () => {
  const base = { memoryBytes: 64 * MiB, timeoutMs: 60_000, logCapBytes: MiB };

  it('calls exit 0 complete', () => {
    expect(classifyAttempt({ ...base, reason: 'exit', exit: { exitCode: 0, oomKilled: false } })).toEqual({ status: 'complete' });
  });

  it('calls a non-zero exit an error classed by its code', () => {
    expect(classifyAttempt({ ...base, reason: 'exit', exit: { exitCode: 3, oomKilled: false } })).toEqual({
      status: 'error',
      msg: 'exited with code 3',
      errorClass: 'Process Exit 3',
    });
  });

  it('calls an out-of-memory kill an error naming the limit', () => {
    expect(classifyAttempt({ ...base, reason: 'exit', exit: { exitCode: 137, oomKilled: true } })).toEqual({
      status: 'error',
      msg: 'killed: out of memory (limit 64 MB)',
      errorClass: 'OOM',
    });
  });

  it('calls a task that survived an OOM kill of a child and exited 0 complete', () => {
    expect(classifyAttempt({ ...base, reason: 'exit', exit: { exitCode: 0, oomKilled: true } }).status).toBe('complete');
  });

  it('lets the reason it was killed win over the exit code', () => {
    const killed: ContainerExit = { exitCode: 137, oomKilled: false };
    expect(classifyAttempt({ ...base, reason: 'timeout', exit: killed })).toEqual({ status: 'timeout', msg: 'killed: timed out after 60 s' });
    expect(classifyAttempt({ ...base, timeoutMs: 2500, reason: 'timeout', exit: killed }).msg).toBe('killed: timed out after 2.5 s');
    expect(classifyAttempt({ ...base, reason: 'cancel', exit: killed })).toEqual({ status: 'cancelled', msg: 'killed: cancelled' });
    expect(classifyAttempt({ ...base, reason: 'log-cap', exit: killed })).toEqual({ status: 'error', msg: 'killed: log exceeded 1 MiB', errorClass: 'Log Limit' });
  });
});

/** A container that prints the given chunks, then exits; every call is recorded. */
class ScriptedHandle implements ContainerHandle {
  readonly id = 'c0ffee';
  readonly calls: string[] = [];
  private exited!: (exit: ContainerExit) => void;
  private readonly exit = new Promise<ContainerExit>((resolve) => {
    this.exited = resolve;
  });

  constructor(
    readonly name: string,
    private readonly script: { chunks: OutputChunk[]; exitCode: number; startError?: Error; removeError?: Error },
  ) {}

  async address(): Promise<string | undefined> {
    return '172.18.0.2';
  }

  async attach(): Promise<{ input: NodeJS.WritableStream; output: AsyncIterable<OutputChunk> }> {
    this.calls.push('attach');
    const input = new PassThrough();
    input.resume();
    const exit = this.exit;
    const chunks = this.script.chunks;
    async function* output(): AsyncGenerator<OutputChunk> {
      yield* chunks;
      await exit;
    }
    return { input, output: output() };
  }

  async start(): Promise<void> {
    this.calls.push('start');
    if (this.script.startError) throw this.script.startError;
    setImmediate(() => this.exited({ exitCode: this.script.exitCode, oomKilled: false }));
  }

  wait(): Promise<ContainerExit> {
    this.calls.push('wait');
    return this.exit;
  }

  async kill(): Promise<void> {
    this.calls.push('kill');
    this.exited({ exitCode: 137, oomKilled: false });
  }

  async remove(): Promise<void> {
    this.calls.push('remove');
    if (this.script.removeError) throw this.script.removeError;
  }

  async rename(): Promise<void> {
    this.calls.push('rename');
  }
}

class ScriptedRuntime implements ContainerRuntime {
  handle?: ScriptedHandle;
  constructor(private readonly script: ConstructorParameters<typeof ScriptedHandle>[1]) {}
  async create(spec: ContainerSpec): Promise<ContainerHandle> {
    this.handle = new ScriptedHandle(spec.name, this.script);
    return this.handle;
  }
  async list(): Promise<ContainerSummary[]> {
    return [];
  }
  async removeById(): Promise<void> {}
  async imageExists(): Promise<boolean> {
    return true;
  }
  async ping(): Promise<void> {}
  async version(): Promise<string> {
    return 'scripted';
  }
  async engine(): Promise<{ id: string; version: string; memoryBytes: number }> {
    return { id: 'scripted', version: 'scripted', memoryBytes: 0 };
  }
}

function request(overrides: Partial<AttemptRequest> = {}): AttemptRequest {
  const spec: ContainerSpec = {
    name: 'dh-6763a1f09c2e4b7d1a0f3e55-1',
    image: 'img',
    cmd: ['/bin/sh', '-c', 'true'],
    env: {},
    labels: {},
    limits: { memoryBytes: 64 * MiB, nanoCpus: 1e9, pidsLimit: 64, nofile: 64, fsizeBytes: MiB, tmpSizeBytes: MiB, taskDirSizeBytes: MiB, shmSizeBytes: MiB },
    network: false,
  };
  return { spec, payload: '{}', timeoutMs: 10_000, logCapBytes: MiB, resultMaxBytes: MiB, ...overrides };
}

const chunk = (stream: 'stdout' | 'stderr', text: string): OutputChunk => ({ stream, data: Buffer.from(text) });

describe('runAttempt with a scripted runtime', () => {
  it('runs create, attach, start, wait and remove in that order and keeps the log', async () => {
    const runtime = new ScriptedRuntime({ chunks: [chunk('stdout', 'hi\n'), chunk('stderr', 'warn\n')], exitCode: 0 });
    const outcome = await runAttempt(runtime, request());
    expect(runtime.handle?.calls).toEqual(['attach', 'start', 'wait', 'remove']);
    expect(outcome.status).toBe('complete');
    expect(outcome.log.toString()).toBe('hi\nwarn\n');
  });

  it('removes the container and rethrows when start fails', async () => {
    const runtime = new ScriptedRuntime({ chunks: [], exitCode: 0, startError: new DhError('DH_ERR_INTERNAL', 'start failed') });
    await expect(runAttempt(runtime, request())).rejects.toThrow('start failed');
    expect(runtime.handle?.calls).toEqual(['attach', 'start', 'remove']);
  });

  it('returns the outcome with the removal failure noted rather than losing it', async () => {
    const runtime = new ScriptedRuntime({ chunks: [], exitCode: 2, removeError: new Error('device or resource busy') });
    const outcome = await runAttempt(runtime, request());
    expect(outcome.status).toBe('error');
    expect(outcome.removeError).toBe('device or resource busy');
  });

  it('keeps going when the caller hooks throw', async () => {
    const runtime = new ScriptedRuntime({ chunks: [chunk('stdout', 'x\n')], exitCode: 0 });
    const outcome = await runAttempt(
      runtime,
      request({
        onLog: () => {
          throw new Error('log sink broke');
        },
        onPhase: () => {
          throw new Error('tracer broke');
        },
      }),
    );
    expect(outcome.status).toBe('complete');
    expect(outcome.log.toString()).toBe('x\n');
  });

  it('takes its times from the given clock', async () => {
    let now = 1_000;
    const clock = { now: () => (now += 10) };
    const runtime = new ScriptedRuntime({ chunks: [], exitCode: 0 });
    const outcome = await runAttempt(runtime, request(), clock);
    expect(outcome.timings).toEqual({ createMs: 10, startMs: 10, runMs: 10, removeMs: 10 });
    expect(outcome.durationMs).toBe(10);
    expect(outcome.startedAt.getTime()).toBe(1_040);
  });
});
