import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildContainerSpec } from '../runtime/container-spec.ts';
import { START_SCRIPT, WARM_LABEL, startScript, warmClassKey, warmContainerSpec } from './warm-spec.ts';

const base = {
  taskId: '6763a1f09c2e4b7d1a0f3e55',
  attempt: 1,
  projectId: 'p1',
  codeName: 'hello',
  nodeId: 'node-1',
  image: 'dockhand-node-20:abc',
  command: 'node index.js',
  envVars: { 'my.setting': 'dotted names are accepted', TRICKY: "it's $HOME `x`", PLAIN: 'v' },
  memoryMb: 256,
  cpus: 1,
  network: false,
};

describe('warmClassKey', () => {
  it('is the same for two tasks of different packages with the same image and limits', () => {
    const other = buildContainerSpec({ ...base, taskId: '6763a1f09c2e4b7d1a0f3e56', codeName: 'other', command: 'true', envVars: {} });
    expect(warmClassKey(buildContainerSpec(base))).toBe(warmClassKey(other));
  });

  it('differs when memory, CPUs, network or the image differ', () => {
    const key = warmClassKey(buildContainerSpec(base));
    expect(warmClassKey(buildContainerSpec({ ...base, memoryMb: 512 }))).not.toBe(key);
    expect(warmClassKey(buildContainerSpec({ ...base, cpus: 2 }))).not.toBe(key);
    expect(warmClassKey(buildContainerSpec({ ...base, network: true, networkName: 'dockhand-tasks' }))).not.toBe(key);
    expect(warmClassKey(buildContainerSpec({ ...base, image: 'dockhand-python-3.11:def' }))).not.toBe(key);
  });
});

describe('warmContainerSpec', () => {
  it('has the task class limits and no trace of any task: no task id, env var, label or command', () => {
    const task = buildContainerSpec(base);
    const warm = warmContainerSpec(task, 'node-1');
    expect(warm.name).toMatch(/^dh-warm-[0-9a-f]{16}$/);
    expect(warm.limits).toEqual(task.limits);
    expect(warm.network).toBe(false);
    expect(warm.cmd).toEqual(['/bin/sh', START_SCRIPT]);
    expect(warm.labels).toEqual({ 'dockhand.managed': 'true', 'dockhand.node': 'node-1', [WARM_LABEL]: warmClassKey(task) });
    expect(JSON.stringify(warm)).not.toContain(base.taskId);
    expect(Object.keys(warm.env).sort()).toEqual(['CONFIG_FILE', 'PAYLOAD_FILE', 'RESULT_FILE', 'TASK_DIR']);
  });
});

describe('startScript', () => {
  it('runs the task command with exactly the environment a cold container gets, quoting every value', () => {
    const task = buildContainerSpec({ ...base, command: 'printf "%s|%s|%s" "$PLAIN" "$TASK_ID" "$TRICKY"' });
    const out = execFileSync('/bin/sh', ['-c', startScript(task)], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } }).toString();
    expect(out).toBe(`v|${base.taskId}|it's $HOME \`x\``);
  });
});
