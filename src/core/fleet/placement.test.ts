import { describe, expect, it } from 'vitest';
import { eligiblePeers, mayClaim, placementDelayMs, rankPeers, type FleetNodeView } from './placement.ts';

function node(id: string, slotsUsed: number, extra: Partial<FleetNodeView> = {}): FleetNodeView {
  return { id, state: 'running', clusters: ['default'], labels: {}, slotsTotal: 4, slotsUsed, memoryTotalMb: 4096, memoryReservedMb: slotsUsed * 256, ...extra };
}

describe('placement', () => {
  it('spread: the least loaded node goes first, ties broken by id', () => {
    const peers = [node('b', 2), node('a', 1), node('c', 1)];
    expect(rankPeers('spread', peers).map((p) => p.id)).toEqual(['a', 'c', 'b']);
  });

  it('binpack: the most loaded node that still has room goes first', () => {
    const peers = [node('a', 1), node('b', 3), node('c', 0)];
    expect(rankPeers('binpack', peers).map((p) => p.id)).toEqual(['b', 'a', 'c']);
  });

  it('uses memory as the second measure of load', () => {
    const light = node('a', 1, { memoryReservedMb: 100 });
    const heavy = node('b', 1, { memoryReservedMb: 3000 });
    expect(rankPeers('spread', [heavy, light]).map((p) => p.id)).toEqual(['a', 'b']);
    expect(rankPeers('binpack', [light, heavy]).map((p) => p.id)).toEqual(['b', 'a']);
  });

  it('lets the best node claim at once and holds the others back one step per rank, up to a cap', () => {
    const peers = [node('a', 0), node('b', 1), node('c', 2), node('d', 3)];
    expect(placementDelayMs({ strategy: 'spread', selfId: 'a', peers, stepMs: 500 })).toBe(0);
    expect(placementDelayMs({ strategy: 'spread', selfId: 'b', peers, stepMs: 500 })).toBe(500);
    expect(placementDelayMs({ strategy: 'spread', selfId: 'd', peers, stepMs: 500, maxSteps: 2 })).toBe(1000);
    expect(placementDelayMs({ strategy: 'binpack', selfId: 'd', peers, stepMs: 500 })).toBe(0);
    expect(placementDelayMs({ strategy: 'binpack', selfId: 'a', peers, stepMs: 500 })).toBe(1500);
  });

  it('does not hold back a node that is missing from the peers it was given', () => {
    expect(placementDelayMs({ strategy: 'spread', selfId: 'x', peers: [node('a', 0)], stepMs: 500 })).toBe(0);
  });

  it('counts as peers only running nodes of the cluster whose labels match and that have room', () => {
    const nodes = [
      node('ok', 0, { labels: { region: 'eu' } }),
      node('draining', 0, { state: 'draining', labels: { region: 'eu' } }),
      node('lost', 0, { state: 'lost', labels: { region: 'eu' } }),
      node('other-cluster', 0, { clusters: ['gpu'], labels: { region: 'eu' } }),
      node('other-region', 0, { labels: { region: 'us' } }),
      node('full', 4, { labels: { region: 'eu' } }),
      node('small', 0, { labels: { region: 'eu' }, memoryTotalMb: 128 }),
    ];
    const peers = eligiblePeers(nodes, { cluster: 'default', constraints: { region: 'eu' }, memoryMb: 256 });
    expect(peers.map((p) => p.id)).toEqual(['ok']);
  });

  it('claims once the hold-back has passed since the task was first seen', () => {
    expect(mayClaim(0, 1000, 1000)).toBe(true);
    expect(mayClaim(500, 1000, 1499)).toBe(false);
    expect(mayClaim(500, 1000, 1500)).toBe(true);
  });
});
