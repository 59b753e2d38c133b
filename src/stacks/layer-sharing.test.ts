import { describe, expect, it } from 'vitest';
import { sharedDiskUsage } from './layer-sharing.ts';

const debian = { id: 'debian', size: 100, layers: ['d1'] };
const base = { id: 'base', size: 110, layers: ['d1', 'b1'] };
const node = { id: 'node', size: 310, layers: ['d1', 'b1', 'n1'] };
const python = { id: 'python', size: 150, layers: ['d1', 'b1', 'p1'] };

describe('sharedDiskUsage', () => {
  it('counts the shared base once and each stack by what it adds', () => {
    const usage = sharedDiskUsage([debian, base, node, python]);
    expect(usage.uniqueBytes).toBe(100 + 10 + 200 + 40);
    expect(usage.separateBytes).toBe(100 + 110 + 310 + 150);
    expect(usage.ownBytes.get('node')).toBe(200);
    expect(usage.ownBytes.get('base')).toBe(10);
  });

  it('counts an image whole when none of the others is below it', () => {
    const usage = sharedDiskUsage([node, python]);
    expect(usage.uniqueBytes).toBe(310 + 150);
  });

  it('counts two tags of one build once', () => {
    const usage = sharedDiskUsage([base, { ...base, id: 'base-latest' }, node]);
    expect(usage.uniqueBytes).toBe(310);
    expect(usage.separateBytes).toBe(110 + 110 + 310);
  });

  it('measures each image against the nearest image below it, not the lowest', () => {
    const usage = sharedDiskUsage([debian, node]);
    expect(usage.ownBytes.get('node')).toBe(210);
  });
});
