/**
 * `dockhand nodes`: the fleet's worker nodes, their state (running, draining, lost) and load.
 *
 *   dockhand nodes            # a table
 *   dockhand nodes --json     # the Node objects
 */
import type { Command } from 'commander';
import type { FleetNode } from '../../core/model.ts';
import { clientFor, globalOptions } from '../client.ts';
import { printJson, table } from '../output.ts';

function labelsText(labels: Record<string, string>): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  return pairs.length > 0 ? pairs.join(',') : '-';
}

function ago(iso: string, now: number): string {
  const seconds = Math.max(0, (now - Date.parse(iso)) / 1000);
  return seconds < 60 ? `${seconds.toFixed(1)} s ago` : `${Math.round(seconds / 60)} min ago`;
}

/** Whether the node filters network-enabled tasks' egress: `enforced (nf_tables)`, `off`, or `NO: why`. */
export function egressText(node: FleetNode): string {
  const egress = node.egress;
  if (!egress) return '?';
  if (egress.mode === 'enforced') return `enforced (${egress.backend || 'iptables'})`;
  if (egress.mode === 'off') return 'off';
  return 'NO: network tasks held';
}

export function nodesTable(nodes: readonly FleetNode[], now: number = Date.now()): string {
  return table(
    nodes.map((n) => ({
      id: n.id,
      state: n.state,
      clusters: n.clusters.join(','),
      labels: labelsText(n.labels),
      slots: `${n.slots_used}/${n.slots_total}`,
      memory: `${n.memory_reserved}/${n.memory_total} MiB`,
      running: n.running.length > 0 ? n.running.join(',') : '-',
      docker: n.docker_version,
      stacks: n.stacks.length > 0 ? n.stacks.join(',') : '-',
      egress: egressText(n),
      userns: n.userns_remap === undefined ? '?' : n.userns_remap ? 'remapped' : 'host',
      last_seen: ago(n.last_seen, now),
    })),
    ['id', 'state', 'clusters', 'labels', 'slots', 'memory', 'running', 'docker', 'stacks', 'egress', 'userns', 'last_seen'],
  );
}

/** The reasons nodes cannot enforce the egress policy, one line each, printed under the table. */
export function egressProblems(nodes: readonly FleetNode[]): string[] {
  return nodes.flatMap((n) => (n.egress?.mode === 'unavailable' ? [`${n.id}: egress policy not in force: ${n.egress.reason}`] : []));
}

export function registerNodesCommand(program: Command): void {
  program
    .command('nodes')
    .description('List the worker nodes of the fleet: state, clusters, labels, slots and memory in use, running tasks, whether each filters the egress of network-enabled tasks (egress) and whether its engine remaps user namespaces (userns).')
    .action(async (_options: unknown, command: Command) => {
      const nodes = await clientFor(command).nodes.list();
      if (globalOptions(command).json) return printJson(nodes);
      if (nodes.length === 0) {
        process.stderr.write('No worker nodes on record; start one with `dockhand worker`.\n');
        return;
      }
      console.log(nodesTable(nodes));
      for (const line of egressProblems(nodes)) process.stderr.write(`${line}\n`);
    });
}
