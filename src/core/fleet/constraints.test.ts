import { describe, expect, it } from 'vitest';
import { checkConstraints, constraintSignature, parseLabel, parseLabelList, parseSignature, satisfies } from './constraints.ts';

describe('labels and constraints', () => {
  it('parses key=value and Swarm-style key==value', () => {
    expect(parseLabel('region=eu-west')).toEqual(['region', 'eu-west']);
    expect(parseLabel('region==eu-west')).toEqual(['region', 'eu-west']);
    expect(parseLabelList(['region=eu-west', 'disk=ssd'])).toEqual({ region: 'eu-west', disk: 'ssd' });
  });

  it('refuses a label without a value, with spaces or with characters that could break a key name', () => {
    for (const bad of ['region', 'region=', '=x', 'a b=c', 'a=b c', 'a{x}=b', 'a=b,c']) {
      expect(() => parseLabel(bad), bad).toThrow(/key=value/);
    }
  });

  it('gives the same signature for the same constraints in any order, and none for no constraints', () => {
    expect(constraintSignature({ region: 'eu', disk: 'ssd' })).toBe('disk=ssd,region=eu');
    expect(constraintSignature({ disk: 'ssd', region: 'eu' })).toBe('disk=ssd,region=eu');
    expect(constraintSignature({})).toBe('');
    expect(constraintSignature(undefined)).toBe('');
    expect(parseSignature('disk=ssd,region=eu')).toEqual({ disk: 'ssd', region: 'eu' });
    expect(parseSignature('')).toEqual({});
  });

  it('lets a node run a task only when its labels hold every constrained pair', () => {
    const node = { region: 'eu-west', disk: 'ssd' };
    expect(satisfies(node, {})).toBe(true);
    expect(satisfies(node, { region: 'eu-west' })).toBe(true);
    expect(satisfies(node, { region: 'eu-west', disk: 'ssd' })).toBe(true);
    expect(satisfies(node, { region: 'us-east' })).toBe(false);
    expect(satisfies(node, { region: 'eu-west', gpu: 'yes' })).toBe(false);
    expect(satisfies({}, { region: 'eu-west' })).toBe(false);
  });

  it('refuses too many constraints or a malformed one', () => {
    const many = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']));
    expect(() => checkConstraints(many)).toThrow(/at most 16/);
    expect(() => checkConstraints({ 'bad key': 'v' })).toThrow(/key=value/);
    expect(checkConstraints({ region: 'eu' })).toEqual({ region: 'eu' });
  });
});
