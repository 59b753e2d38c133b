import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { Grant } from '../host/egress/rules.ts';
import { EgressGuard, type EgressFirewall } from './egress-guard.ts';

const logger = pino({ level: 'silent' });

/** A firewall whose state the test sets: in force or not, and whether applying it works. */
class FakeFirewall implements EgressFirewall {
  inForce = false;
  canApply = true;
  grants = new Map<string, Grant[]>();
  async backend(): Promise<string> {
    return 'nf_tables';
  }
  async check(): Promise<string | undefined> {
    return this.inForce ? undefined : 'the chain is missing';
  }
  async apply(): Promise<void> {
    if (!this.canApply) throw new Error('iptables-restore failed (filtering needs root)');
    this.inForce = true;
  }
  async grant(container: { name: string }, grants: Grant[]): Promise<void> {
    this.grants.set(container.name, grants);
  }
  async revoke(name: string): Promise<void> {
    this.grants.delete(name);
  }
  async sweep(): Promise<number> {
    return 0;
  }
}

describe('the egress guard', () => {
  it('puts the policy in force at start and again whenever a check finds it gone', async () => {
    const firewall = new FakeFirewall();
    const guard = await EgressGuard.start({ firewall, logger });
    expect(guard.status).toEqual({ mode: 'enforced', backend: 'nf_tables' });
    firewall.inForce = false;
    await guard.refresh();
    expect(firewall.inForce).toBe(true);
  });

  it('holds network tasks back, with the reason, while the policy cannot be applied', async () => {
    const firewall = new FakeFirewall();
    firewall.canApply = false;
    const guard = await EgressGuard.start({ firewall, logger });
    expect(guard.mayRunNetworkTasks).toBe(false);
    expect(guard.status).toEqual({ mode: 'unavailable', reason: expect.stringContaining('needs root') });
    await expect(guard.admit({ name: 'dh-a-1', address: '172.18.0.2' }, [])).rejects.toThrow(/not in force/);
  });

  it('grants the allow-list with host names resolved by the worker, never opening link-local answers', async () => {
    const firewall = new FakeFirewall();
    const resolve = async (host: string): Promise<string[]> => (host === 'db.internal' ? ['10.1.2.3', '169.254.169.254'] : Promise.reject(Object.assign(new Error('nope'), { code: 'ENOTFOUND' })));
    const guard = await EgressGuard.start({ firewall, logger, resolve });
    const record = await guard.admit({ name: 'dh-a-1', address: '172.18.0.2' }, ['db.internal:5432', '10.20.0.0/16', 'gone.internal']);
    expect(firewall.grants.get('dh-a-1')).toEqual([{ cidr: '10.1.2.3/32', port: 5432 }, { cidr: '10.20.0.0/16' }]);
    expect(record.policy).toBe('allow-list');
    expect(record.allowed).toEqual(['db.internal:5432 (10.1.2.3)', '10.20.0.0/16']);
    expect(record.notes.join('\n')).toMatch(/can never be opened[\s\S]*gone\.internal does not resolve \(ENOTFOUND\)/);
    await guard.release('dh-a-1');
    expect(firewall.grants.has('dh-a-1')).toBe(false);
  });

  it('without a firewall (DOCKHAND_EGRESS=off) runs network tasks unfiltered and says so', async () => {
    const guard = await EgressGuard.start({ firewall: undefined, logger });
    expect(guard.status).toEqual({ mode: 'off' });
    expect(guard.mayRunNetworkTasks).toBe(true);
    expect((await guard.admit({ name: 'dh-a-1', address: '172.18.0.2' }, [])).policy).toBe('unfiltered');
  });
});
