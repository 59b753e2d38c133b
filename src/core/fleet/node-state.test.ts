import { describe, expect, it } from 'vitest';
import { nodeState } from './node-state.ts';

describe('node state', () => {
  it('is what the node reported while its heartbeat is fresh', () => {
    expect(nodeState({ reported: 'running', lastSeenMs: 10_000, nowMs: 15_000, ttlMs: 10_000 })).toBe('running');
    expect(nodeState({ reported: 'draining', lastSeenMs: 10_000, nowMs: 20_000, ttlMs: 10_000 })).toBe('draining');
  });

  it('is lost once the heartbeat is older than the time-to-live, whatever was reported', () => {
    expect(nodeState({ reported: 'running', lastSeenMs: 10_000, nowMs: 20_001, ttlMs: 10_000 })).toBe('lost');
    expect(nodeState({ reported: 'draining', lastSeenMs: 0, nowMs: 60_000, ttlMs: 10_000 })).toBe('lost');
  });
});
