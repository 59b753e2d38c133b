import { describe, expect, it } from 'vitest';
import { chainNames, grantBatch, parseRules, policyBatch, policyProblem, revokeBatch, strayGrantBatch, type EgressNetwork } from './rules.ts';

const network: EgressNetwork = { id: '0123456789abcdef', bridge: 'br-0123456789ab', subnets: ['172.18.0.0/16'], resolvers: ['10.0.0.53'] };
const names = chainNames(network);

/** What `iptables -S` prints after the batch: the -A lines of the chains, jumps first in their hooks. */
function applied(batch: string, before = ''): string {
  const rules = batch.split('\n').filter((line) => line.startsWith('-A '));
  const jumps = batch.split('\n').filter((line) => line.startsWith('-I ')).map((line) => line.replace(/^-I (\S+) 1 /, '-A $1 '));
  return [`-N ${names.grants}`, ...jumps, '-A DOCKER-USER -j RETURN', ...rules, before].join('\n');
}

describe('the egress policy rules', () => {
  it('is missing on a host without it and complete once its batch is applied', () => {
    const empty = parseRules('-N DOCKER-USER\n-A DOCKER-USER -j RETURN');
    expect(policyProblem(network, empty)).toMatch(/missing/);
    const batch = policyBatch(network, empty);
    expect(policyProblem(network, parseRules(applied(batch)))).toBeUndefined();
  });

  it('rejects the task subnet, loopback, link-local and private ranges, and DNS but to the resolvers', () => {
    const batch = policyBatch(network, parseRules('-N DOCKER-USER'));
    const forward = batch.split('\n').filter((line) => line.startsWith(`-A ${names.forward} `));
    const at = (needle: string): number => forward.findIndex((line) => line.includes(needle));
    for (const range of ['172.18.0.0/16', '127.0.0.0/8', '169.254.0.0/16', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10']) {
      expect(forward[at(`-d ${range} `)], range).toMatch(/REJECT/);
    }
    // The resolver passes before the grants; other DNS and private ranges are refused after them.
    expect(at('-d 10.0.0.53/32 -p udp --dport 53 -j RETURN')).toBeLessThan(at(`-j ${names.grants}`));
    expect(at(`-j ${names.grants}`)).toBeLessThan(at('-p udp --dport 53 -j REJECT'));
    expect(at(`-j ${names.grants}`)).toBeLessThan(at('-d 10.0.0.0/8 '));
    // Never-open ranges come before the grants, so no allow-list reopens them.
    expect(at('-d 169.254.0.0/16 ')).toBeLessThan(at(`-j ${names.grants}`));
    expect(batch).toContain(`-I INPUT 1 -i ${network.bridge} -j ${names.input}`);
  });

  it('keeps the grant chain of running tasks when applied again, and moves its jump back to the front', () => {
    const current = parseRules([
      '-N DOCKER-USER', `-N ${names.grants}`,
      '-A DOCKER-USER -i eth9 -j ACCEPT', `-A DOCKER-USER -i ${network.bridge} -j ${names.forward}`,
      `-A ${names.grants} -s 172.18.0.2/32 -d 10.9.9.9/32 -m comment --comment dh-a-1 -j ACCEPT`,
    ].join('\n'));
    const batch = policyBatch(network, current);
    expect(batch).not.toContain(`:${names.grants} `);
    expect(batch).toContain(`-D DOCKER-USER -i ${network.bridge} -j ${names.forward}`);
    expect(policyProblem(network, current)).toMatch(/missing|first rule/);
  });

  it('shares the front of DOCKER-USER and INPUT with another task network, but not with other rules', () => {
    const batch = policyBatch(network, parseRules('-N DOCKER-USER'));
    const other = '-A DOCKER-USER -i br-ffffffffffff -j DOCKHAND-ffffffffffff';
    const text = applied(batch);
    const withOther = text.replace(`-A DOCKER-USER -i ${network.bridge}`, `${other}\n-A DOCKER-USER -i ${network.bridge}`);
    expect(policyProblem(network, parseRules(withOther))).toBeUndefined();
    const behindAccept = text.replace(`-A DOCKER-USER -i ${network.bridge}`, `-A DOCKER-USER -j ACCEPT\n-A DOCKER-USER -i ${network.bridge}`);
    expect(policyProblem(network, parseRules(behindAccept))).toMatch(/first rules of DOCKER-USER/);
  });

  it('notices a policy that changed (another resolver) by its signature', () => {
    const batch = policyBatch(network, parseRules('-N DOCKER-USER'));
    expect(policyProblem({ ...network, resolvers: ['10.0.0.54'] }, parseRules(applied(batch)))).toMatch(/current policy/);
  });

  it('grants a container its destinations and drops stale grants of its address in the same commit', () => {
    const table = parseRules(`-N ${names.grants}\n-A ${names.grants} -s 172.18.0.2/32 -d 10.9.9.9/32 -m comment --comment dh-old-1 -j ACCEPT`);
    const batch = grantBatch(network, table, { name: 'dh-new-1', address: '172.18.0.2' }, [{ cidr: '10.1.2.3/32', port: 5432 }, { cidr: '10.20.0.0/16' }]);
    expect(batch.split('\n')).toEqual([
      '*filter',
      `-D ${names.grants} -s 172.18.0.2/32 -d 10.9.9.9/32 -m comment --comment dh-old-1 -j ACCEPT`,
      `-A ${names.grants} -s 172.18.0.2/32 -d 10.1.2.3/32 -p tcp --dport 5432 -m comment --comment dh-new-1 -j ACCEPT`,
      `-A ${names.grants} -s 172.18.0.2/32 -d 10.1.2.3/32 -p udp --dport 5432 -m comment --comment dh-new-1 -j ACCEPT`,
      `-A ${names.grants} -s 172.18.0.2/32 -d 10.20.0.0/16 -m comment --comment dh-new-1 -j ACCEPT`,
      'COMMIT',
      '',
    ]);
  });

  it('revokes by container name and sweeps grants of containers that are gone', () => {
    const table = parseRules([
      `-N ${names.grants}`,
      `-A ${names.grants} -s 172.18.0.2/32 -d 10.9.9.9/32 -m comment --comment dh-a-1 -j ACCEPT`,
      `-A ${names.grants} -s 172.18.0.3/32 -d 10.9.9.8/32 -m comment --comment dh-b-1 -j ACCEPT`,
    ].join('\n'));
    expect(revokeBatch(network, table, 'dh-a-1')).toContain('-D DOCKHAND-0123456789ab-G -s 172.18.0.2/32');
    expect(revokeBatch(network, table, 'dh-c-1')).toBeUndefined();
    const sweep = strayGrantBatch(network, table, new Set(['dh-b-1']));
    expect(sweep).toContain('dh-a-1');
    expect(sweep).not.toContain('dh-b-1');
  });
});
