import { describe, expect, it } from 'vitest';
import type { FleetNode } from '../model.ts';
import { waitReason } from './wait-reason.ts';

function node(overrides: Partial<FleetNode>): FleetNode {
  return {
    id: 'n1', state: 'running', clusters: ['default'], labels: {}, slots_total: 2, slots_used: 0,
    memory_total: 1024, memory_reserved: 0, running: [], docker_version: '26', stacks: [],
    last_seen: '2026-11-23T00:00:00.000Z', placement: {}, started_at: '2026-11-23T00:00:00.000Z', engine_id: 'e',
    ...overrides,
  };
}
const active = { name: 'render', paused: false };

describe('waitReason', () => {
  it('has none for a task some node could take once it has room', () => {
    expect(waitReason({ cluster: 'default', memory: 512 }, [node({ slots_used: 2, memory_reserved: 1024 })], active)).toBeUndefined();
  });

  it('says when no node that may run it has its stack image yet', () => {
    const nodes = [node({ stacks: ['node-20'] }), node({ id: 'n2', clusters: ['gpu'], stacks: ['python-3.11'] })];
    expect(waitReason({ cluster: 'default', stack: 'python-3.11' }, nodes, active)).toMatch(/no running node that may run it has the image of stack "python-3.11" yet; .*`dockhand stacks build python-3.11`/);
    expect(waitReason({ cluster: 'default', stack: 'node-20' }, nodes, active)).toBeUndefined();
    expect(waitReason({ cluster: 'default' }, nodes, active)).toBeUndefined();
  });

  it('says when the package is paused, before anything else', () => {
    expect(waitReason({ cluster: 'gpu' }, [], { name: 'render', paused: true })).toMatch(/"render" is paused; `dockhand code resume render`/);
  });

  it('says when no running node serves the cluster; lost and draining nodes do not count', () => {
    const nodes = [node({ clusters: ['gpu'], state: 'lost' }), node({ id: 'n2', clusters: ['gpu'], state: 'draining' }), node({ id: 'n3' })];
    expect(waitReason({ cluster: 'gpu' }, nodes, active)).toMatch(/no running worker node serves cluster "gpu"; .*--cluster gpu/);
  });

  it('says when the package has network and no node of the cluster can enforce the egress policy, and why', () => {
    const nodes = [node({ egress: { mode: 'unavailable', reason: 'iptables-restore failed (filtering needs root)' } })];
    const reason = waitReason({ cluster: 'default', constraints: { 'dockhand.network': 'ready' } }, nodes, active);
    expect(reason).toMatch(/network access and no running node of cluster "default" can enforce the egress policy \(n1: iptables-restore failed \(filtering needs root\)\)/);
    expect(waitReason({ cluster: 'default', constraints: { 'dockhand.network': 'ready' } }, [node({ labels: { 'dockhand.network': 'ready' } })], active)).toBeUndefined();
  });

  it('says when no node of the cluster carries the constraints', () => {
    const nodes = [node({ labels: { region: 'us-east' } }), node({ id: 'n2', labels: { disk: 'ssd' } })];
    expect(waitReason({ cluster: 'default', constraints: { region: 'eu-west', disk: 'ssd' } }, nodes, active))
      .toMatch(/carries disk=ssd,region=eu-west/);
    expect(waitReason({ cluster: 'default', constraints: { disk: 'ssd' } }, nodes, active)).toBeUndefined();
  });

  it('says when the task reserves more memory than any node that may run it has', () => {
    const nodes = [node({ memory_total: 4096, labels: { region: 'us' } }), node({ id: 'n2', memory_total: 2048, labels: { region: 'eu' } })];
    expect(waitReason({ cluster: 'default', memory: 3000, constraints: { region: 'eu' } }, nodes, active))
      .toMatch(/reserves 3000 MiB and the largest node that may run it has 2048 MiB; .*--memory 3000/);
    expect(waitReason({ cluster: 'default', memory: 3000 }, nodes, active)).toBeUndefined();
  });
});
