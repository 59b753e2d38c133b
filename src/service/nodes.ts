/**
 * The fleet as users see it: every worker node on record with its state and load. Nodes are shared by
 * every project of an installation, so any valid token may list them.
 *
 *   const nodes = await listNodes(ctx); // [{ id, state: 'running', slots_used: 2, ... }]
 */
import { DhError } from '../core/errors.ts';
import type { FleetNode } from '../core/model.ts';
import type { AppContext } from './context.ts';

export async function listNodes(ctx: AppContext): Promise<FleetNode[]> {
  return ctx.nodes.list();
}

export async function getNode(ctx: AppContext, id: string): Promise<FleetNode> {
  const node = await ctx.nodes.get(id);
  if (!node) throw new DhError('DH_ERR_NODE_NOT_FOUND', `No worker node "${id}" is on record; \`dockhand nodes\` lists the nodes there are.`);
  return node;
}
