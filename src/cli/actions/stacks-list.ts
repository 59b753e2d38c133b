/**
 * The work behind `dockhand stacks list`: every defined stack with its image state, then (on stderr)
 * the shared bases and the disk the stack images take together versus one by one.
 */
import { stackDiskUsage } from '../../stacks/disk-usage.ts';
import { stackInventory } from '../../stacks/inventory.ts';
import type { StacksDeps } from './stacks-deps.ts';
import { formatBytes, info, printJson, table } from '../output.ts';

export async function listStacks(deps: StacksDeps, options: { json: boolean }): Promise<void> {
  const [docker, catalog] = await Promise.all([deps.docker(), deps.catalog()]);
  const rows = await stackInventory(docker, catalog);
  if (options.json) return printJson(rows);
  console.log(table(rows.map((row) => ({
    name: row.name,
    language: row.language,
    version: row.version,
    base: row.base,
    image_id: row.image_id?.replace(/^sha256:/, '').slice(0, 12),
    own_size: row.own_size === null ? null : formatBytes(row.own_size),
    built_at: row.built_at?.replace(/\.\d+Z$/, 'Z'),
    state: row.state,
  })), ['name', 'language', 'version', 'base', 'image_id', 'own_size', 'built_at', 'state']));
  const usage = await stackDiskUsage(docker, catalog);
  for (const base of usage.bases) {
    const size = base.size === null ? 'not built' : `${formatBytes(base.size)} (${formatBytes(base.own_size ?? 0)} over debian:${base.release}-slim)`;
    info(`shared base ${base.release}: ${size}, under ${base.stacks} built stack${base.stacks === 1 ? '' : 's'}`);
  }
  if (usage.stacks > 0) {
    info(`${usage.stacks} stack images take ${formatBytes(usage.uniqueBytes)} on disk together (shared layers once); ${formatBytes(usage.separateBytes)} if each were stored alone`);
  }
}
