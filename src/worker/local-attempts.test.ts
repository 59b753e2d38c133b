import { describe, expect, it } from 'vitest';
import type { HeldAttempt } from '../queue/work-source.ts';
import { LocalAttempts } from './local-attempts.ts';

const held = (taskId: string, attempt: number, memoryMb = 128): HeldAttempt =>
  ({ taskId, attempt, projectId: 'p', codeName: 'c', cluster: 'default', constraints: {}, memoryMb });

describe('the attempts a worker process runs', () => {
  it('keeps a task\'s next attempt when the older one, still winding down, ends', () => {
    const local = new LocalAttempts({ slots: 4, memoryMb: 1024 });
    const first = local.add(held('t1', 1));
    first.controller.abort('revoked');
    local.add(held('t1', 2));
    local.remove(held('t1', 1));
    expect(local.attemptKeys()).toEqual(new Set(['t1:2']));
    expect(local.busyTaskIds()).toEqual(new Set(['t1']));
  });

  it('counts both attempts of a task against its slots and memory while both are here', () => {
    const local = new LocalAttempts({ slots: 4, memoryMb: 1024 });
    local.add(held('t1', 1, 100));
    local.add(held('t1', 2, 200));
    local.beginClaim('t2', 50);
    expect(local.capacity()).toEqual({ slotsTotal: 4, slotsUsed: 3, memoryTotalMb: 1024, memoryReservedMb: 350 });
  });

  it('stops every attempt of a task it is told to stop, and only those', () => {
    const local = new LocalAttempts({ slots: 4, memoryMb: 1024 });
    const a = local.add(held('t1', 1));
    const b = local.add(held('t1', 2));
    const other = local.add(held('t2', 1));
    expect(local.stop('t1', 'cancel')).toBe(true);
    expect([a.controller.signal.aborted, b.controller.signal.aborted, other.controller.signal.aborted]).toEqual([true, true, false]);
    expect(local.stop('t1', 'cancel')).toBe(false);
    expect(local.stopAll('drain')).toBe(1);
    expect(other.controller.signal.reason).toBe('drain');
  });
});
