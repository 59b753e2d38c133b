import { describe, expect, it } from 'vitest';
import { durabilityWarnings } from './redis-durability.ts';

describe('durabilityWarnings', () => {
  it('is silent for AOF every second and noeviction', () => {
    expect(durabilityWarnings({ appendonly: 'yes', appendfsync: 'everysec', 'maxmemory-policy': 'noeviction' })).toEqual([]);
  });

  it('warns when AOF is off', () => {
    const warnings = durabilityWarnings({ appendonly: 'no', appendfsync: 'everysec', 'maxmemory-policy': 'noeviction' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/appendonly yes/);
  });

  it('warns when AOF never fsyncs', () => {
    expect(durabilityWarnings({ appendonly: 'yes', appendfsync: 'no', 'maxmemory-policy': 'noeviction' })[0]).toMatch(/appendfsync everysec/);
  });

  it('warns when Redis may evict keys, naming the policy in force', () => {
    const warnings = durabilityWarnings({ appendonly: 'yes', appendfsync: 'always', 'maxmemory-policy': 'allkeys-lru' });
    expect(warnings).toEqual([expect.stringContaining('"allkeys-lru"')]);
  });
});
