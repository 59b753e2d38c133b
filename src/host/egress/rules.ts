/**
 * The egress policy of the task network as iptables rules (docs/security.md "Egress"). Pure: from
 * the network's facts and the filter table as `iptables -S` prints it, the iptables-restore batch that
 * makes the policy so, in one atomic commit. Chains, per task network (`X` = the network id's first
 * 12 hex digits):
 *
 *   DOCKER-USER      first rule: -i <bridge> -j DOCKHAND-X   (the engine keeps this chain as it is)
 *   DOCKHAND-X       replies pass; the task subnet, other Docker bridges, loopback, link-local and
 *                    reserved ranges are rejected; DNS to the configured resolvers passes; then the
 *                    grants; then any other DNS and every private range is rejected; the rest (the
 *                    public internet) returns to Docker's own rules
 *   DOCKHAND-X-G     per task container: -s <its address> -d <allowed> -j ACCEPT, commented with the
 *                    container's name (added when its task starts, removed when it ends)
 *   INPUT            first rule: -i <bridge> -j DOCKHAND-IN-X
 *   DOCKHAND-IN-X    DNS to a resolver on the host passes; everything else to the host is rejected
 *
 * and for IPv6 (the network has none, but link-local addresses exist): everything from the bridge to
 * the host or beyond is dropped.
 *
 *   const batch = policyBatch(network, parseRules(await iptables('-S')));
 */
import { createHash } from 'node:crypto';
import { NEVER_OPEN_V4 } from '../../core/egress/allow-list.ts';

/** Private and shared address space a task reaches only through its package's allow-list. */
export const PRIVATE_V4 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'] as const;

/** What the policy of one task network is made from. */
export interface EgressNetwork {
  /** The Docker network id (the chains are named after its first 12 hex digits). */
  id: string;
  /** The Linux bridge of the network, e.g. br-1a2b3c4d5e6f. */
  bridge: string;
  /** The network's IPv4 subnet(s): other task containers. */
  subnets: string[];
  /** The resolvers task containers use (the engine's embedded DNS forwards to these). */
  resolvers: string[];
}

/** One destination a task container may reach despite the policy. */
export interface Grant {
  /** An IPv4 address or CIDR. */
  cidr: string;
  port?: number;
}

/** The filter table, chain by chain, as `iptables -S` prints it (`-A CHAIN ...` lines). */
export type RuleTable = Map<string, string[]>;

const REJECT = '-j REJECT --reject-with icmp-admin-prohibited';

export function chainNames(network: Pick<EgressNetwork, 'id'>): { forward: string; grants: string; input: string } {
  const x = network.id.slice(0, 12);
  return { forward: `DOCKHAND-${x}`, grants: `DOCKHAND-${x}-G`, input: `DOCKHAND-IN-${x}` };
}

/** `iptables -S` (or `-S CHAIN`) output to a table; `-N` lines make empty chains. */
export function parseRules(text: string): RuleTable {
  const table: RuleTable = new Map();
  for (const line of text.split('\n')) {
    const m = /^-([NA]) (\S+)(.*)$/.exec(line.trim());
    if (!m) continue;
    const [, kind, chain = ''] = m;
    if (!table.has(chain)) table.set(chain, []);
    if (kind === 'A') table.get(chain)!.push(line.trim());
  }
  return table;
}

/** The static rules of the forward and input chains, without their signature. */
function policyBody(network: EgressNetwork): { forward: string[]; input: string[] } {
  const { grants } = chainNames(network);
  const forward: string[] = [
    '-m conntrack --ctstate RELATED,ESTABLISHED -j RETURN',
    ...network.subnets.map((subnet) => `-d ${subnet} ${REJECT}`),
    `-o docker0 ${REJECT}`,
    `-o br-+ ${REJECT}`,
    ...NEVER_OPEN_V4.map((range) => `-d ${range} ${REJECT}`),
    ...network.resolvers.flatMap((resolver) => ['udp', 'tcp'].map((proto) => `-d ${resolver}/32 -p ${proto} --dport 53 -j RETURN`)),
    `-j ${grants}`,
    ...['udp', 'tcp'].map((proto) => `-p ${proto} --dport 53 ${REJECT}`),
    `-p tcp --dport 853 ${REJECT}`,
    ...PRIVATE_V4.map((range) => `-d ${range} ${REJECT}`),
  ];
  const input: string[] = [
    ...network.resolvers.flatMap((resolver) => ['udp', 'tcp'].map((proto) => `-d ${resolver}/32 -p ${proto} --dport 53 -j RETURN`)),
    REJECT,
  ];
  return { forward, input };
}

/** A short hash of the policy; the first rule of each chain carries it, so a check is one listing. */
export function policySignature(network: EgressNetwork): string {
  const body = policyBody(network);
  return createHash('sha256').update(JSON.stringify([network.bridge, body])).digest('hex').slice(0, 12);
}

function signed(chain: string, signature: string, rules: string[]): string[] {
  return rules.map((rule, i) => (i === 0 ? `-A ${chain} -m comment --comment dockhand-egress-${signature} ${rule}` : `-A ${chain} ${rule}`));
}

/** Why the table does not hold the policy in force, or undefined when it does. */
export function policyProblem(network: EgressNetwork, table: RuleTable): string | undefined {
  const names = chainNames(network);
  const signature = policySignature(network);
  if (!table.has('DOCKER-USER')) return 'the DOCKER-USER chain is missing (the engine manages no iptables rules: is dockerd running with --iptables=false?)';
  const body = policyBody(network);
  for (const [chain, rules] of [[names.forward, body.forward], [names.input, body.input]] as const) {
    const got = table.get(chain);
    if (!got) return `the chain ${chain} is missing`;
    if (got.length !== rules.length || !got[0]?.includes(`dockhand-egress-${signature}`)) return `the chain ${chain} does not hold the current policy`;
  }
  if (!table.has(names.grants)) return `the chain ${names.grants} is missing`;
  if (!isFirstJump(table.get('DOCKER-USER') ?? [], network.bridge, names.forward)) return `the first rules of DOCKER-USER do not send ${network.bridge} to ${names.forward}`;
  if (!isFirstJump(table.get('INPUT') ?? [], network.bridge, names.input)) return `the first rules of INPUT do not send ${network.bridge} to ${names.input}`;
  return undefined;
}

/** Our jump comes before every rule but other task networks' jumps (two workers' networks must not fight over the front). */
function isFirstJump(rules: string[], bridge: string, chain: string): boolean {
  const at = rules.findIndex((rule) => rule.includes(`-i ${bridge} `) && rule.endsWith(`-j ${chain}`));
  return at >= 0 && rules.slice(0, at).every((rule) => / -j DOCKHAND-[0-9a-zA-Z-]+$/.test(rule));
}

function jumpsTo(rules: string[], chain: string): string[] {
  return rules.filter((rule) => rule.endsWith(`-j ${chain}`));
}

/**
 * The iptables-restore (--noflush) batch that puts the policy in force: its chains rewritten, the
 * grant chain kept (it holds running tasks' grants), the jumps moved to the front, and the chains of
 * task networks whose bridge is gone (`staleIds`) removed.
 */
export function policyBatch(network: EgressNetwork, table: RuleTable, staleIds: string[] = []): string {
  const names = chainNames(network);
  const signature = policySignature(network);
  const body = policyBody(network);
  const lines = ['*filter', `:${names.forward} - [0:0]`, `:${names.input} - [0:0]`];
  if (!table.has(names.grants)) lines.push(`:${names.grants} - [0:0]`);
  for (const stale of staleIds.map((id) => chainNames({ id }))) {
    for (const chain of [stale.forward, stale.input]) {
      for (const jump of [...jumpsTo(table.get('DOCKER-USER') ?? [], chain), ...jumpsTo(table.get('INPUT') ?? [], chain)]) lines.push(jump.replace(/^-A /, '-D '));
    }
  }
  for (const jump of jumpsTo(table.get('DOCKER-USER') ?? [], names.forward)) lines.push(jump.replace(/^-A /, '-D '));
  for (const jump of jumpsTo(table.get('INPUT') ?? [], names.input)) lines.push(jump.replace(/^-A /, '-D '));
  lines.push(...signed(names.forward, signature, body.forward), ...signed(names.input, signature, body.input));
  lines.push(`-I DOCKER-USER 1 -i ${network.bridge} -j ${names.forward}`, `-I INPUT 1 -i ${network.bridge} -j ${names.input}`);
  for (const stale of staleIds.map((id) => chainNames({ id }))) {
    for (const chain of [stale.forward, stale.input, stale.grants]) {
      if (table.has(chain)) lines.push(`-F ${chain}`);
    }
    for (const chain of [stale.forward, stale.input, stale.grants]) {
      if (table.has(chain)) lines.push(`-X ${chain}`);
    }
  }
  lines.push('COMMIT', '');
  return lines.join('\n');
}

/** The IPv6 counterpart: nothing from the bridge reaches the host or is forwarded. */
export function policyBatch6(network: EgressNetwork, table: RuleTable): string {
  const { forward } = chainNames(network);
  const lines = ['*filter', `:${forward} - [0:0]`];
  for (const hook of ['INPUT', 'FORWARD']) {
    for (const jump of jumpsTo(table.get(hook) ?? [], forward)) lines.push(jump.replace(/^-A /, '-D '));
  }
  lines.push(`-A ${forward} -m comment --comment dockhand-egress -j DROP`, `-I INPUT 1 -i ${network.bridge} -j ${forward}`, `-I FORWARD 1 -i ${network.bridge} -j ${forward}`, 'COMMIT', '');
  return lines.join('\n');
}

export function policyProblem6(network: EgressNetwork, table: RuleTable): string | undefined {
  const { forward } = chainNames(network);
  if (!table.get(forward)?.length) return `the IPv6 chain ${forward} is missing`;
  for (const hook of ['INPUT', 'FORWARD']) {
    if (!isFirstJump(table.get(hook) ?? [], network.bridge, forward)) return `the first IPv6 rule of ${hook} does not send ${network.bridge} to ${forward}`;
  }
  return undefined;
}

/**
 * The batch that gives one task container exactly `grants` (replacing whatever an earlier container at
 * the same address or of the same name had), or none when `grants` is empty.
 */
export function grantBatch(network: EgressNetwork, table: RuleTable, container: { name: string; address: string }, grants: Grant[]): string {
  const { grants: chain } = chainNames(network);
  const stale = (table.get(chain) ?? []).filter((rule) => rule.includes(`-s ${container.address}/32 `) || rule.includes(`--comment ${container.name} `));
  const lines = ['*filter', ...stale.map((rule) => rule.replace(/^-A /, '-D '))];
  for (const grant of grants) {
    const destination = grant.cidr.includes('/') ? grant.cidr : `${grant.cidr}/32`;
    const protos = grant.port === undefined ? [''] : [`-p tcp --dport ${grant.port} `, `-p udp --dport ${grant.port} `];
    for (const proto of protos) lines.push(`-A ${chain} -s ${container.address}/32 -d ${destination} ${proto}-m comment --comment ${container.name} -j ACCEPT`);
  }
  lines.push('COMMIT', '');
  return lines.join('\n');
}

/** The batch that removes one container's grants (by its name: its address may already be another's). */
export function revokeBatch(network: EgressNetwork, table: RuleTable, name: string): string | undefined {
  const { grants: chain } = chainNames(network);
  const rules = (table.get(chain) ?? []).filter((rule) => rule.includes(`--comment ${name} `));
  if (rules.length === 0) return undefined;
  return ['*filter', ...rules.map((rule) => rule.replace(/^-A /, '-D ')), 'COMMIT', ''].join('\n');
}

/** The grant rules of containers not in `alive` (their tasks ended without removing them). */
export function strayGrantBatch(network: EgressNetwork, table: RuleTable, alive: ReadonlySet<string>): string | undefined {
  const { grants: chain } = chainNames(network);
  const stray = (table.get(chain) ?? []).filter((rule) => {
    const name = /--comment (\S+)/.exec(rule)?.[1];
    return name === undefined || !alive.has(name);
  });
  if (stray.length === 0) return undefined;
  return ['*filter', ...stray.map((rule) => rule.replace(/^-A /, '-D ')), 'COMMIT', ''].join('\n');
}
