/**
 * The worker's side of the egress policy (docs/security.md "Egress"): puts the task network's policy
 * in force on this host at start, checks it again every few seconds and before every network-enabled
 * task (re-applying what a dockerd restart or a firewall reload removed), gives each task container the
 * grants of its package's allow-list (hostnames resolved here, never by the task) and takes them back
 * when it ends. While the policy cannot be held, `mayRunNetworkTasks` is false and the node stops
 * taking network-enabled tasks; `DOCKHAND_EGRESS=off` turns filtering off and says so.
 *
 *   const guard = await EgressGuard.start({ mode: 'enforce', firewall, logger });
 *   const record = await guard.admit(container, ['db.internal:5432']);   // before the task's code runs
 *   await guard.release(container.name);
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { formatEgressEntry, NEVER_OPEN_V4, overlaps, parseEgressEntry } from '../core/egress/allow-list.ts';
import { isDhError } from '../core/errors.ts';
import type { EgressPolicyName, NodeEgress } from '../core/model.ts';
import type { Grant } from '../host/egress/rules.ts';
import type { Logger } from '../telemetry/logger.ts';

/** The part of the iptables adapter the guard uses (a test may hand in one for another namespace). */
export interface EgressFirewall {
  backend(): Promise<string>;
  check(): Promise<string | undefined>;
  apply(): Promise<void>;
  grant(container: { name: string; address: string }, grants: Grant[]): Promise<void>;
  revoke(name: string): Promise<void>;
  sweep(alive: ReadonlySet<string>): Promise<number>;
}

/** How a task's attempt was let out, for its record. */
export interface TaskEgress {
  policy: EgressPolicyName;
  /** The allow-list as it was put in force (hostnames with the addresses they had). */
  allowed: string[];
  /** Entries that could not be put in force (a name that does not resolve), for the task's log. */
  notes: string[];
}

/** Resolves a host name to its IPv4 addresses; injectable for tests. */
export type HostResolver = (host: string) => Promise<string[]>;

const resolveHost: HostResolver = async (host) => (await lookup(host, { all: true, family: 4 })).map((a) => a.address);

export class EgressGuard {
  private state: NodeEgress;

  private constructor(
    private readonly firewall: EgressFirewall | undefined,
    private readonly logger: Logger,
    private readonly resolve: HostResolver,
    private backend: string,
  ) {
    this.state = firewall ? { mode: 'unavailable', reason: 'not checked yet' } : { mode: 'off' };
  }

  /** `firewall` undefined means DOCKHAND_EGRESS=off. Never throws: a failure leaves the node unable to take network tasks. */
  static async start(options: { firewall: EgressFirewall | undefined; logger: Logger; resolve?: HostResolver }): Promise<EgressGuard> {
    let backend = '';
    if (options.firewall) backend = await options.firewall.backend().catch(() => '');
    const guard = new EgressGuard(options.firewall, options.logger, options.resolve ?? resolveHost, backend);
    await guard.refresh();
    return guard;
  }

  get status(): NodeEgress {
    return this.state;
  }

  /** Enforced, or deliberately off: the node may take network-enabled tasks. */
  get mayRunNetworkTasks(): boolean {
    return this.state.mode !== 'unavailable';
  }

  /** Checks the policy and re-applies it when something removed or changed it. */
  async refresh(): Promise<NodeEgress> {
    if (!this.firewall) return this.state;
    const before = this.state.mode;
    try {
      const problem = await this.firewall.check();
      if (problem !== undefined) {
        if (before === 'enforced') this.logger.warn({ problem }, 'egress policy no longer in force; applying it again');
        await this.firewall.apply();
      }
      if (!this.backend) this.backend = await this.firewall.backend();
      this.state = { mode: 'enforced', backend: this.backend };
      if (before !== 'enforced') this.logger.info({ backend: this.backend }, 'egress policy in force');
    } catch (err) {
      const reason = isDhError(err) ? err.message : (err as Error).message;
      if (this.state.mode !== 'unavailable' || this.state.reason !== reason) this.logger.error({ reason }, 'egress policy cannot be put in force: this node takes no network-enabled task until it can');
      this.state = { mode: 'unavailable', reason };
    }
    return this.state;
  }

  /**
   * Called once a network-enabled task's container has started and before its code runs: makes sure
   * the policy holds and grants the container its package's allow-list (or clears stale grants of
   * its address). Throws when the policy cannot be held; the attempt then fails and runs nothing.
   */
  async admit(container: { name: string; address: string | undefined }, entries: readonly string[]): Promise<TaskEgress> {
    if (!this.firewall) return { policy: 'unfiltered', allowed: [], notes: [] };
    const state = await this.refresh();
    if (state.mode !== 'enforced') throw new Error(`The egress policy is not in force on this node (${state.mode === 'unavailable' ? state.reason : state.mode}), so the task was not run.`);
    if (container.address === undefined) throw new Error(`Container ${container.name} has no address on the task network, so its egress cannot be set.`);
    const { grants, allowed, notes } = await this.grantsOf(entries);
    await this.firewall.grant({ name: container.name, address: container.address }, grants);
    return { policy: entries.length > 0 ? 'allow-list' : 'public-only', allowed, notes };
  }

  async release(name: string): Promise<void> {
    if (!this.firewall) return;
    await this.firewall.revoke(name).catch((err: unknown) => this.logger.warn({ err, container: name }, 'could not remove the egress grants of a finished task; the next sweep will'));
  }

  /** Removes grants of containers that are gone (their worker died); returns how many rules went. */
  async sweep(alive: ReadonlySet<string>): Promise<number> {
    if (!this.firewall || this.state.mode !== 'enforced') return 0;
    return this.firewall.sweep(alive).catch(() => 0);
  }

  private async grantsOf(entries: readonly string[]): Promise<{ grants: Grant[]; allowed: string[]; notes: string[] }> {
    const grants: Grant[] = [];
    const allowed: string[] = [];
    const notes: string[] = [];
    for (const text of entries) {
      const entry = parseEgressEntry(text);
      const port = entry.port;
      if ('cidr' in entry) {
        grants.push(port === undefined ? { cidr: entry.cidr } : { cidr: entry.cidr, port });
        allowed.push(formatEgressEntry(entry));
        continue;
      }
      let addresses: string[];
      try {
        addresses = (await this.resolve(entry.host)).filter((a) => isIP(a) === 4);
      } catch (err) {
        notes.push(`egress entry ${text}: ${entry.host} does not resolve (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); not opened`);
        continue;
      }
      // A name may point anywhere; what stays shut for addresses stays shut for names too.
      const usable = addresses.filter((a) => !NEVER_OPEN_V4.some((range) => overlaps(`${a}/32`, range)));
      if (usable.length < addresses.length) notes.push(`egress entry ${text}: ${entry.host} resolves to an address that can never be opened; those were left shut`);
      for (const address of usable) grants.push(port === undefined ? { cidr: `${address}/32` } : { cidr: `${address}/32`, port });
      if (usable.length > 0) allowed.push(`${text} (${usable.join(', ')})`);
    }
    return { grants, allowed, notes };
  }
}
