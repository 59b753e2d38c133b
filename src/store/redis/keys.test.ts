import { describe, expect, it } from 'vitest';
import { Keys } from './keys.ts';
import { scriptSource } from './scripts.ts';

describe('Redis keys the Lua scripts build themselves', () => {
  const keys = new Keys('dh:');

  it('match keys.ts for tasks, status indexes, leases, parked sets and parked codes', () => {
    const lib = scriptSource('claimTask');
    expect(lib).toContain("prefix .. 'task:' .. id");
    expect(keys.task('t1')).toBe('dh:' + 'task:' + 't1');
    expect(lib).toContain("prefix .. 'tasks:' .. project .. ':status:' .. status");
    expect(keys.tasksByStatus('p1', 'queued')).toBe('dh:' + 'tasks:' + 'p1' + ':status:' + 'queued');
    expect(lib).toContain("code_key .. ':leases'");
    expect(keys.codeLeases('p1', 'hello')).toBe(keys.code('p1', 'hello') + ':leases');
    expect(lib).toContain("code_key .. ':parked'");
    expect(keys.codeParked('p1', 'hello')).toBe(keys.code('p1', 'hello') + ':parked');
    expect(lib).toContain("prefix .. 'parked-codes'");
    expect(keys.parkedCodes()).toBe('dh:' + 'parked-codes');
  });

  it('inlines the shared helpers into every dispatch script', () => {
    for (const name of ['queueTasks', 'promoteDelayed', 'claimTask', 'settleAttempt', 'nodeHeartbeat', 'recoverNode', 'unparkCode'] as const) {
      expect(scriptSource(name)).toContain('local function now_ms()');
      expect(scriptSource(name)).not.toMatch(/^--!include/m);
    }
  });
});
