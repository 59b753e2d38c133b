/**
 * The node label that says "this node may run network-enabled tasks": its egress policy is in force
 * (or filtering is deliberately off). Every task of a network-enabled package is queued with it as a
 * constraint, so the fleet's own routing keeps such tasks off nodes that cannot filter them, and a
 * task with nowhere to go says why (wait-reason.ts). Pure.
 */
import type { Labels } from '../fleet/constraints.ts';

export const NETWORK_LABEL_KEY = 'dockhand.network';
export const NETWORK_LABEL_VALUE = 'ready';

/** The constraints a task of a package with (or without) network carries. */
export function withNetworkConstraint(constraints: Labels | undefined, network: boolean): Labels | undefined {
  if (!network) return constraints;
  return { ...constraints, [NETWORK_LABEL_KEY]: NETWORK_LABEL_VALUE };
}
