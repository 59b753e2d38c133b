import { describe, expect, it } from 'vitest';
import { admissible, admit, hasFreeSlot, reserve, type NodeCapacity } from './admission.ts';

const node = (slotsUsed: number, memoryReservedMb: number): NodeCapacity => ({ slotsTotal: 2, slotsUsed, memoryTotalMb: 1024, memoryReservedMb });

describe('admission', () => {
  it('admits a task when a slot is free and its memory fits', () => {
    expect(admit(node(0, 0), 512)).toEqual({ admit: true });
    expect(admit(node(1, 512), 512)).toEqual({ admit: true });
  });

  it('refuses when every slot is taken', () => {
    expect(admit(node(2, 0), 16)).toEqual({ admit: false, reason: 'no-slot' });
  });

  it('never lets the reserved memory exceed the declared memory', () => {
    expect(admit(node(1, 600), 512)).toEqual({ admit: false, reason: 'no-memory' });
    expect(admit(node(1, 512), 513)).toEqual({ admit: false, reason: 'no-memory' });
  });

  it('says when a task can never fit on the node at all', () => {
    expect(admit(node(0, 0), 2048)).toEqual({ admit: false, reason: 'never-fits' });
  });

  it('tracks slots and memory as tasks start and end', () => {
    const started = reserve(node(0, 0), 300);
    expect(started).toMatchObject({ slotsUsed: 1, memoryReservedMb: 300 });
    expect(reserve(started, 300, -1)).toMatchObject({ slotsUsed: 0, memoryReservedMb: 0 });
    expect(hasFreeSlot(reserve(started, 100))).toBe(false);
  });

  it('skips candidates that do not fit and keeps the order of the rest', () => {
    const candidates = [{ id: 'big', memoryMb: 900 }, { id: 'a', memoryMb: 100 }, { id: 'b', memoryMb: 200 }];
    expect(admissible(candidates, node(1, 500)).map((c) => c.id)).toEqual(['a', 'b']);
    expect(admissible(candidates, node(2, 0))).toEqual([]);
  });
});
