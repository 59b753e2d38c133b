/**
 * What every `dockhand stacks ...` action needs: the local engine client and the stack catalogue,
 * loaded on first use (commands/stacks.ts builds them), so commands that need neither stay fast.
 */
import type Docker from 'dockerode';
import type { StackCatalog } from '../../stacks/catalog.ts';

export interface StacksDeps {
  docker(): Promise<Docker>;
  catalog(): Promise<StackCatalog>;
}
