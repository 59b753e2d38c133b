/**
 * One task attempt end to end against the real Docker engine: the base image's entry script, stdin
 * delivery of code and payload, the result trailer, and every way an attempt can end.
 */
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import tar from 'tar-stream';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MiB } from '../../src/core/limits.ts';
import { buildContainerSpec, type ContainerSpecInput } from '../../src/runtime/container-spec.ts';
import { DockerRuntime } from '../../src/runtime/docker-runtime.ts';
import type { OutputChunk } from '../../src/runtime/port.ts';
import { runAttempt, type AttemptPhase, type AttemptRequest } from '../../src/worker/task-runner.ts';
import { docker, ensureBaseImage, listLabelled, removeLabelled, testLabel, testTaskId, type TestLabel } from '../helpers/docker.ts';

const gzipAsync = promisify(gzip);

let image: string;
let label: TestLabel;
const runtime = new DockerRuntime(docker());

beforeAll(async () => {
  image = await ensureBaseImage();
});

afterEach(async () => {
  await removeLabelled(label.filter);
});

function request(command: string, overrides: Partial<AttemptRequest> = {}, specInput: Partial<ContainerSpecInput> = {}): AttemptRequest {
  label = testLabel('task-runner');
  const spec = buildContainerSpec({
    taskId: testTaskId(),
    attempt: 1,
    projectId: 'proj-test',
    codeName: 'runner-test',
    nodeId: 'node-test',
    image,
    command,
    envVars: {},
    memoryMb: 64,
    cpus: 1,
    network: false,
    ...specInput,
  });
  spec.labels[label.key] = label.value;
  return { spec, payload: '{}', timeoutMs: 30_000, logCapBytes: MiB, resultMaxBytes: MiB, ...overrides };
}

async function codeArchive(files: Record<string, { content: string; mode?: number }>): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, file] of Object.entries(files)) pack.entry({ name, mode: file.mode ?? 0o644 }, file.content);
  pack.finalize();
  const parts: Buffer[] = [];
  for await (const bytes of pack) parts.push(bytes as Buffer);
  return gzipAsync(Buffer.concat(parts));
}

async function expectNoContainersLeft(): Promise<void> {
  expect(await listLabelled(label.filter)).toEqual([]);
}

describe('runAttempt', () => {
  it('delivers code, payload and config, and returns the result file as parsed JSON', async () => {
    const archive = await codeArchive({
      'task/main.sh': { content: '#!/bin/sh\necho "code ran in $(pwd)"\ncat "$PAYLOAD_FILE"; echo\ncat "$CONFIG_FILE"; echo\nprintf \'{"sum": %s, "task": "%s"}\' 42 "$TASK_ID" > "$RESULT_FILE"\n', mode: 0o755 },
    });
    const req = request('./main.sh', { code: async () => Readable.from([archive]), payload: '{"n": 41}', config: '{"mode": "test"}' });
    const outcome = await runAttempt(runtime, req);

    expect(outcome.status).toBe('complete');
    expect(outcome.exitCode).toBe(0);
    expect(outcome.log.toString()).toBe('code ran in /task\n{"n": 41}\n{"mode": "test"}\n');
    expect(outcome.result).toEqual({ sum: 42, task: req.spec.env.TASK_ID });
    expect(outcome.resultNote).toBeUndefined();
    expect(outcome.logTruncated).toBe(false);
    await expectNoContainersLeft();
  });

  it('returns a result that is not JSON as text and says so in the log', async () => {
    const outcome = await runAttempt(runtime, request('echo working; printf "plain words" > "$RESULT_FILE"'));
    expect(outcome.status).toBe('complete');
    expect(outcome.result).toBe('plain words');
    expect(outcome.resultNote).toBe('result is not JSON; kept as text');
    expect(outcome.log.toString()).toBe('working\n[dockhand] result is not JSON; kept as text\n');
  });

  it('keeps a log that forges a boundary-like line, since the real boundary is secret', async () => {
    const outcome = await runAttempt(runtime, request('printf "\\nDOCKHAND-RESULT-00000000000000000000000000000000\\nnot a result\\n"'));
    expect(outcome.status).toBe('complete');
    expect(outcome.result).toBeUndefined();
    expect(outcome.log.toString()).toBe('\nDOCKHAND-RESULT-00000000000000000000000000000000\nnot a result\n');
  });

  it('records a non-zero exit as an error with the exit code as its class', async () => {
    const outcome = await runAttempt(runtime, request('echo before failing; exit 3'));
    expect(outcome.status).toBe('error');
    expect(outcome.exitCode).toBe(3);
    expect(outcome.errorClass).toBe('Process Exit 3');
    expect(outcome.msg).toBe('exited with code 3');
    expect(outcome.oomKilled).toBe(false);
    expect(outcome.log.toString()).toBe('before failing\n');
    await expectNoContainersLeft();
  });

  it('kills the container at the deadline, records timeout and keeps the log so far', async () => {
    const started = Date.now();
    const outcome = await runAttempt(runtime, request('echo started; sleep 60; echo never', { timeoutMs: 1500 }));
    expect(outcome.status).toBe('timeout');
    expect(outcome.msg).toBe('killed: timed out after 1.5 s');
    expect(outcome.exitCode).toBe(137);
    expect(outcome.log.toString()).toBe('started\n');
    expect(outcome.durationMs).toBeGreaterThanOrEqual(1500);
    expect(Date.now() - started).toBeLessThan(15_000);
    await expectNoContainersLeft();
  });

  it('records an out-of-memory kill as an error naming the memory limit', async () => {
    const outcome = await runAttempt(runtime, request('echo filling; head -c 200m /dev/zero | tail', {}, { memoryMb: 32 }));
    expect(outcome.status).toBe('error');
    expect(outcome.oomKilled).toBe(true);
    expect(outcome.msg).toBe('killed: out of memory (limit 32 MB)');
    expect(outcome.errorClass).toBe('OOM');
    expect(outcome.log.toString()).toContain('filling\n');
    await expectNoContainersLeft();
  });

  it('kills a task that floods its log past the cap and ends the log with a notice', async () => {
    const outcome = await runAttempt(runtime, request('yes flood', { logCapBytes: 64 * 1024 }));
    expect(outcome.status).toBe('error');
    expect(outcome.logTruncated).toBe(true);
    expect(outcome.msg).toBe('killed: log exceeded 64 KiB');
    const log = outcome.log.toString();
    const notice = '[dockhand] log exceeded 64 KiB; the task was killed\n';
    expect(log.endsWith(`\n${notice}`)).toBe(true);
    expect(outcome.log.length).toBeLessThanOrEqual(64 * 1024 + notice.length + 1);
    expect(log.startsWith('flood\nflood\n')).toBe(true);
    await expectNoContainersLeft();
  });

  it('kills the container within a second of a cancel and records cancelled', async () => {
    const controller = new AbortController();
    const seen: string[] = [];
    let cancelledAt = 0;
    const req = request('echo ready; sleep 60', {
      signal: controller.signal,
      onLog: (chunk: OutputChunk) => {
        seen.push(chunk.data.toString());
        if (seen.join('').includes('ready\n') && cancelledAt === 0) {
          cancelledAt = Date.now();
          controller.abort();
        }
      },
    });
    const outcome = await runAttempt(runtime, req);
    expect(cancelledAt).toBeGreaterThan(0);
    expect(outcome.status).toBe('cancelled');
    expect(outcome.endedAt.getTime() - cancelledAt).toBeLessThan(1000);
    expect(outcome.log.toString()).toBe('ready\n');
    await expectNoContainersLeft();
  });

  it('does not start the container when the cancel came first', async () => {
    const controller = new AbortController();
    controller.abort();
    const phases: AttemptPhase[] = [];
    const outcome = await runAttempt(runtime, request('echo should not run', { signal: controller.signal, onPhase: (p) => phases.push(p) }));
    expect(outcome.status).toBe('cancelled');
    expect(outcome.log.length).toBe(0);
    expect(phases).toEqual(['creating', 'removing']);
    await expectNoContainersLeft();
  });

  it('keeps the order in which the task wrote to stdout and stderr', async () => {
    const chunks: OutputChunk[] = [];
    const command = 'for i in 1 2 3 4 5; do echo "out $i"; sleep 0.05; echo "err $i" >&2; sleep 0.05; done';
    const outcome = await runAttempt(runtime, request(command, { onLog: (c) => chunks.push(c) }));
    const expected = [1, 2, 3, 4, 5].flatMap((i) => [`out ${i}\n`, `err ${i}\n`]).join('');
    expect(outcome.log.toString()).toBe(expected);
    expect(Buffer.concat(chunks.map((c) => c.data)).toString()).toBe(expected);
    const errLines = chunks.filter((c) => c.stream === 'stderr').map((c) => c.data.toString()).join('');
    expect(errLines).toBe([1, 2, 3, 4, 5].map((i) => `err ${i}\n`).join(''));
  });

  it('reports the phases in order and plausible timings', async () => {
    const phases: AttemptPhase[] = [];
    const outcome = await runAttempt(runtime, request('true', { onPhase: (p) => phases.push(p) }));
    expect(phases).toEqual(['creating', 'starting', 'running', 'collecting', 'result', 'removing']);
    expect(outcome.timings.createMs).toBeGreaterThanOrEqual(0);
    expect(outcome.timings.startMs).toBeGreaterThan(0);
    expect(outcome.timings.runMs).toBe(outcome.durationMs);
    expect(outcome.timings.removeMs).toBeGreaterThanOrEqual(0);
    expect(outcome.endedAt.getTime()).toBeGreaterThanOrEqual(outcome.startedAt.getTime());
  });

  it('runs the task as an unprivileged user with no capabilities, a read-only root and no network', async () => {
    const command = [
      'echo "uid=$(id -u) gid=$(id -g)"',
      'grep -E "^(CapEff|CapBnd|NoNewPrivs)" /proc/self/status',
      'touch /root-write 2>/dev/null && echo "root writable" || echo "root read-only"',
      'touch /task/x /tmp/x && echo "task and tmp writable"',
      'echo "nofile=$(ulimit -n)"',
      'echo "ifaces=$(ls /sys/class/net | tr "\\n" " ")"',
      'echo "pid1=$(cat /proc/1/comm)"',
      'df -k /task /tmp /run/dockhand | tail -n +2 | awk \'{print $6, $2}\'',
    ].join('; ');
    const outcome = await runAttempt(runtime, request(command, {}, { limits: { taskDirSizeBytes: 32 * MiB, tmpSizeBytes: 8 * MiB, nofile: 512 } }));
    const log = outcome.log.toString();
    expect(outcome.status).toBe('complete');
    expect(log).toContain('uid=1000 gid=1000\n');
    expect(log).toMatch(/CapEff:\s+0000000000000000\n/);
    expect(log).toMatch(/CapBnd:\s+0000000000000000\n/);
    expect(log).toMatch(/NoNewPrivs:\s+1\n/);
    expect(log).toContain('root read-only\n');
    expect(log).toContain('task and tmp writable\n');
    expect(log).toContain('nofile=512\n');
    expect(log).toContain('ifaces=lo \n');
    expect(log).toContain('pid1=docker-init\n');
    expect(log).toContain(`/task ${32 * 1024}\n`);
    expect(log).toContain(`/tmp ${8 * 1024}\n`);
  });

  it('gives the task the contract variables, which its own env vars cannot override', async () => {
    const req = request('env | grep -E "^(TASK_ID|TASK_DIR|PAYLOAD_FILE|CONFIG_FILE|RESULT_FILE|GREETING)=" | sort', {}, { envVars: { GREETING: 'hello', TASK_DIR: '/etc' } });
    const outcome = await runAttempt(runtime, req);
    expect(outcome.log.toString()).toBe(
      [
        'CONFIG_FILE=/run/dockhand/config.json',
        'GREETING=hello',
        'PAYLOAD_FILE=/run/dockhand/payload.json',
        'RESULT_FILE=/run/dockhand/result.json',
        'TASK_DIR=/task',
        `TASK_ID=${req.spec.env.TASK_ID}`,
        '',
      ].join('\n'),
    );
  });

  it('throws a conflict and leaves the other container alone when the name is taken', async () => {
    const req = request('true');
    const holder = await runtime.create(req.spec);
    try {
      await expect(runAttempt(runtime, req)).rejects.toMatchObject({ code: 'DH_ERR_CONFLICT' });
      const still = await listLabelled(label.filter);
      expect(still.map((c) => c.Id)).toEqual([holder.id]);
    } finally {
      await holder.remove();
    }
    await expectNoContainersLeft();
  });

  it('throws when the code archive cannot be read and still removes the container', async () => {
    const req = request('sleep 30', {
      code: async () =>
        new Readable({
          read() {
            this.destroy(new Error('code store went away'));
          },
        }),
    });
    await expect(runAttempt(runtime, req)).rejects.toMatchObject({ code: 'DH_ERR_INTERNAL', message: expect.stringContaining('code store went away') });
    await expectNoContainersLeft();
  });
});
