import { describe, expect, it } from 'vitest';
import { egressListSchema, formatEgressEntry, overlaps, parseEgressEntry } from './allow-list.ts';

describe('the egress allow-list', () => {
  it('reads addresses, CIDRs and host names, each with an optional port', () => {
    expect(parseEgressEntry('10.1.2.3')).toEqual({ cidr: '10.1.2.3/32' });
    expect(parseEgressEntry('10.1.2.3:5432')).toEqual({ cidr: '10.1.2.3/32', port: 5432 });
    expect(parseEgressEntry('10.1.2.3/16')).toEqual({ cidr: '10.1.0.0/16' });
    expect(parseEgressEntry('DB.internal:5432')).toEqual({ host: 'db.internal', port: 5432 });
    expect(formatEgressEntry(parseEgressEntry('10.1.2.3:80'))).toBe('10.1.2.3:80');
  });

  it('never opens loopback, link-local (cloud metadata), multicast or reserved addresses', () => {
    for (const shut of ['127.0.0.1', '169.254.169.254:80', '169.0.0.0/8', '0.0.0.0/0', '224.0.0.1', 'localhost:80']) {
      expect(() => parseEgressEntry(shut), shut).toThrow(/never be opened/);
    }
  });

  it('says what to write for entries it cannot read', () => {
    expect(() => parseEgressEntry('10.1.2.3:99999')).toThrow(/port must be a number/);
    expect(() => parseEgressEntry('[fd00::1]:80')).toThrow(/IPv6/);
    expect(() => parseEgressEntry('10.1.2.3/40')).toThrow(/prefix length/);
    expect(() => parseEgressEntry('bad host!')).toThrow(/IPv4 address, a CIDR/);
  });

  it('takes a list or a comma-separated string, canonical and without repeats', () => {
    expect(egressListSchema.parse('10.1.2.3:80, 10.1.2.3:80,db.internal')).toEqual(['10.1.2.3:80', 'db.internal']);
    expect(egressListSchema.safeParse(['169.254.169.254']).success).toBe(false);
  });

  it('tells overlapping ranges apart', () => {
    expect(overlaps('10.1.0.0/16', '10.0.0.0/8')).toBe(true);
    expect(overlaps('11.0.0.0/8', '10.0.0.0/8')).toBe(false);
  });
});
