/**
 * The Docker network that tasks of network-enabled packages join (DOCKHAND_TASK_NETWORK, default
 * `dockhand-tasks`): a bridge with inter-container traffic switched off, so a task can reach the
 * outside world but not another tenant's task on the same host. Docker's default `bridge` lets every
 * container talk to every other. The worker creates the network at start, or checks the one it finds.
 * Pure: what to create, and whether an existing network will do.
 *
 *   await docker.createNetwork(taskNetworkCreateOptions('dockhand-tasks'));
 *   const problem = taskNetworkProblem(await docker.getNetwork('dockhand-tasks').inspect());
 */

/** Docker's bridge driver option that, set to "false", drops traffic between containers of the bridge. */
export const ICC_OPTION = 'com.docker.network.bridge.enable_icc';

export function taskNetworkCreateOptions(name: string): { Name: string; Driver: string; CheckDuplicate: boolean; Options: Record<string, string>; Labels: Record<string, string> } {
  return { Name: name, Driver: 'bridge', CheckDuplicate: true, Options: { [ICC_OPTION]: 'false' }, Labels: { 'dockhand.managed': 'true' } };
}

/** Why an existing network is not fit for tasks, or undefined when it is. */
export function taskNetworkProblem(network: { Name?: string; Driver?: string; Options?: Record<string, string> | null }): string | undefined {
  if (network.Driver !== 'bridge') return `it uses the ${network.Driver ?? 'unknown'} driver, not bridge`;
  if (network.Options?.[ICC_OPTION] !== 'false') return `it lets containers talk to each other (${ICC_OPTION} is not "false")`;
  return undefined;
}
