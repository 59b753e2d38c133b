/**
 * A node's state as the fleet sees it. The node itself reports `running` or `draining` with every
 * heartbeat; a node whose last heartbeat is older than the time-to-live is `lost`, whatever it last
 * said. Pure.
 *
 *   nodeState({ reported: 'running', lastSeenMs: 1000, nowMs: 20_000, ttlMs: 10_000 }) // 'lost'
 */
export const NODE_STATES = ['running', 'draining', 'lost'] as const;
export type NodeState = (typeof NODE_STATES)[number];
export type ReportedNodeState = Exclude<NodeState, 'lost'>;

export function nodeState(input: { reported: ReportedNodeState; lastSeenMs: number; nowMs: number; ttlMs: number }): NodeState {
  return input.nowMs - input.lastSeenMs > input.ttlMs ? 'lost' : input.reported;
}

/** The worker process's own lifecycle (Temporal-style explicit states). */
export type AgentState = 'starting' | 'running' | 'draining' | 'stopped';
