import { describe, expect, it } from 'vitest';
import { DhError } from '../core/errors.ts';
import { LIMITS, MiB } from '../core/limits.ts';
import { buildContainerSpec, type ContainerSpecInput } from './container-spec.ts';

const TASK = '6763a1f09c2e4b7d1a0f3e55';

function input(overrides: Partial<ContainerSpecInput> = {}): ContainerSpecInput {
  return {
    taskId: TASK,
    attempt: 2,
    projectId: 'p1',
    codeName: 'hello',
    nodeId: 'node-a',
    image: 'dockhand-base:test',
    command: 'echo hi && exit 0',
    envVars: { GREETING: 'hi' },
    memoryMb: 64,
    cpus: 0.5,
    network: false,
    ...overrides,
  };
}

describe('buildContainerSpec', () => {
  it('names the container after the task and attempt and runs the command through /bin/sh -c', () => {
    const spec = buildContainerSpec(input());
    expect(spec.name).toBe(`dh-${TASK}-2`);
    expect(spec.cmd).toEqual(['/bin/sh', '-c', 'echo hi && exit 0']);
    expect(spec.image).toBe('dockhand-base:test');
    expect(spec.network).toBe(false);
    expect(spec.runtime).toBeUndefined();
  });

  it('puts the code env vars first and the contract variables after them', () => {
    const spec = buildContainerSpec(input({ envVars: { A: '1', B: '2' } }));
    expect(Object.keys(spec.env)).toEqual(['A', 'B', 'TASK_ID', 'TASK_DIR', 'PAYLOAD_FILE', 'CONFIG_FILE', 'RESULT_FILE']);
    expect(spec.env).toMatchObject({
      TASK_ID: TASK,
      TASK_DIR: '/task',
      PAYLOAD_FILE: '/run/dockhand/payload.json',
      CONFIG_FILE: '/run/dockhand/config.json',
      RESULT_FILE: '/run/dockhand/result.json',
    });
  });

  it('never lets the code env vars override a contract variable', () => {
    const spec = buildContainerSpec(
      input({ envVars: { TASK_DIR: '/etc', RESULT_FILE: '/tmp/x', TASK_ID: 'forged', TRACEPARENT: 'mine' }, traceparent: '00-abc-def-01' }),
    );
    expect(spec.env.TASK_DIR).toBe('/task');
    expect(spec.env.RESULT_FILE).toBe('/run/dockhand/result.json');
    expect(spec.env.TASK_ID).toBe(TASK);
    expect(spec.env.TRACEPARENT).toBe('00-abc-def-01');
    expect(Object.keys(spec.env).at(-1)).toBe('TRACEPARENT');
  });

  it('adds SCHEDULE_ID and TRACEPARENT only when they are given', () => {
    expect(buildContainerSpec(input()).env).not.toHaveProperty('SCHEDULE_ID');
    expect(buildContainerSpec(input()).env).not.toHaveProperty('TRACEPARENT');
    const spec = buildContainerSpec(input({ scheduleId: 's1', traceparent: '00-t-s-01' }));
    expect(spec.env.SCHEDULE_ID).toBe('s1');
    expect(spec.env.TRACEPARENT).toBe('00-t-s-01');
  });

  it('labels the container with task, attempt, node, project, code and the managed marker', () => {
    expect(buildContainerSpec(input()).labels).toEqual({
      'dockhand.managed': 'true',
      'dockhand.task': TASK,
      'dockhand.attempt': '2',
      'dockhand.node': 'node-a',
      'dockhand.project': 'p1',
      'dockhand.code': 'hello',
    });
  });

  it('converts memory and cpus and takes the other limits from LIMITS by default', () => {
    const { limits } = buildContainerSpec(input());
    expect(limits.memoryBytes).toBe(64 * MiB);
    expect(limits.nanoCpus).toBe(500_000_000);
    expect(limits.pidsLimit).toBe(LIMITS.pidsLimit);
    expect(limits.nofile).toBe(LIMITS.nofile);
    expect(limits.fsizeBytes).toBe(LIMITS.fsizeBytes);
    expect(limits.tmpSizeBytes).toBe(LIMITS.tmpSizeBytes);
    expect(limits.taskDirSizeBytes).toBe(LIMITS.taskDirSizeBytes);
    expect(limits.shmSizeBytes).toBe(LIMITS.shmSizeBytes);
    expect(limits.runDirSizeBytes).toBe(LIMITS.payloadMaxBytes + LIMITS.configMaxBytes + LIMITS.resultMaxBytes + MiB);
  });

  it('applies limit overrides, including the caps that size /run/dockhand', () => {
    const { limits } = buildContainerSpec(
      input({ limits: { pidsLimit: 32, tmpSizeBytes: 8 * MiB, payloadMaxBytes: MiB, resultMaxBytes: 2 * MiB } }),
    );
    expect(limits.pidsLimit).toBe(32);
    expect(limits.tmpSizeBytes).toBe(8 * MiB);
    expect(limits.runDirSizeBytes).toBe(MiB + LIMITS.configMaxBytes + 2 * MiB + MiB);
  });

  it('passes the network choice and the OCI runtime through', () => {
    const spec = buildContainerSpec(input({ network: true, runtime: 'runsc' }));
    expect(spec.network).toBe(true);
    expect(spec.runtime).toBe('runsc');
  });

  it('rejects env var names a process environment cannot hold', () => {
    expect(() => buildContainerSpec(input({ envVars: { 'A=B': 'x' } }))).toThrow(DhError);
    expect(() => buildContainerSpec(input({ envVars: { '': 'x' } }))).toThrow(/not allowed/);
    expect(() => buildContainerSpec(input({ envVars: { OK: 'a\0b' } }))).toThrow(/NUL/);
  });

  it('rejects non-positive limits and an empty command', () => {
    expect(() => buildContainerSpec(input({ memoryMb: 0 }))).toThrow(/memoryMb/);
    expect(() => buildContainerSpec(input({ cpus: Number.NaN }))).toThrow(/cpus/);
    expect(() => buildContainerSpec(input({ limits: { pidsLimit: -1 } }))).toThrow(/pidsLimit/);
    expect(() => buildContainerSpec(input({ command: '  ' }))).toThrow(/no command/);
  });
});
