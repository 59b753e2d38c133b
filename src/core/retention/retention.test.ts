import { describe, expect, it } from 'vitest';
import { ARCHIVE_GRACE_MS, planArchiveCollection } from './archive-collection.ts';
import { isTaskExpired, retentionCutoffMs } from './task-expiry.ts';

const NOW = Date.parse('2026-03-10T12:00:00Z');
const cutoff = retentionCutoffMs(NOW, 30);

describe('task expiry', () => {
  it('puts the cutoff the retention period before now', () => {
    expect(new Date(cutoff).toISOString()).toBe('2026-02-08T12:00:00.000Z');
  });

  it('expires a task that finished before the cutoff', () => {
    expect(isTaskExpired({ status: 'complete', updated_at: '2026-02-01T00:00:00Z', end_time: '2026-02-01T00:00:00Z' }, cutoff)).toBe(true);
    expect(isTaskExpired({ status: 'cancelled', updated_at: '2026-02-01T00:00:00Z' }, cutoff)).toBe(true);
  });

  it('keeps a task that finished after the cutoff, even when created long before it', () => {
    expect(isTaskExpired({ status: 'error', updated_at: '2026-03-01T00:00:00Z' }, cutoff)).toBe(false);
    expect(isTaskExpired({ status: 'timeout', updated_at: '2026-01-01T00:00:00Z', end_time: '2026-03-09T00:00:00Z' }, cutoff)).toBe(false);
  });

  it('never expires a task that is still queued or running, however old', () => {
    for (const status of ['queued', 'preparing', 'running'] as const) {
      expect(isTaskExpired({ status, updated_at: '2020-01-01T00:00:00Z' }, cutoff)).toBe(false);
    }
  });

  it('keeps a record whose times cannot be read rather than guess', () => {
    expect(isTaskExpired({ status: 'complete', updated_at: 'not a date' }, cutoff)).toBe(false);
  });
});

describe('archive collection', () => {
  const old = NOW - ARCHIVE_GRACE_MS - 1;
  it('removes an unreferenced archive older than the grace period', () => {
    const plan = planArchiveCollection([{ sha256: 'a', storedMs: old, size: 1 }], new Set(), NOW);
    expect(plan.remove.map((a) => a.sha256)).toEqual(['a']);
  });

  it('keeps a referenced archive however old, and a fresh unreferenced one (an upload in flight)', () => {
    const plan = planArchiveCollection(
      [{ sha256: 'ref', storedMs: 0, size: 1 }, { sha256: 'fresh', storedMs: NOW - 1000, size: 1 }],
      new Set(['ref']),
      NOW,
    );
    expect(plan.remove).toEqual([]);
    expect(plan.keep.map((a) => a.sha256)).toEqual(['ref', 'fresh']);
  });
});
