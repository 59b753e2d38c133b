import { describe, expect, it } from 'vitest';
import { DhError } from '../core/errors.ts';
import { parseStackDefinition, promisedVersion } from './definition.ts';

const NODE = `
name: node-20
language: node
base: trixie
dockerfile: node-20/Dockerfile
run: node {entry}
entry: index.js
deps:
  - when: package-lock.json
    run: npm ci --omit=dev
version_command: node --version
smoke:
  source: console.log('ok')
  expect: ok
`;

function parseWith(patch: Record<string, string>): ReturnType<typeof parseStackDefinition> {
  let text = NODE;
  for (const [key, value] of Object.entries(patch)) text = text.replace(new RegExp(`^${key}:.*$`, 'm'), `${key}: ${value}`);
  return parseStackDefinition(text, 'stacks/test.yaml');
}

function errorOf(fn: () => unknown): DhError {
  try {
    fn();
  } catch (err) {
    return err as DhError;
  }
  throw new Error('expected an error');
}

describe('parseStackDefinition', () => {
  it('parses a complete definition and defaults deps to none when absent', () => {
    const def = parseStackDefinition(NODE, 'stacks/node-20.yaml');
    expect(def).toMatchObject({ name: 'node-20', language: 'node', base: 'trixie', run: 'node {entry}', entry: 'index.js' });
    expect(def.deps).toEqual([{ when: 'package-lock.json', run: 'npm ci --omit=dev' }]);
    const noDeps = parseStackDefinition(NODE.replace(/deps:\n.*\n.*\n/, ''), 'x.yaml');
    expect(noDeps.deps).toEqual([]);
  });

  it('accepts purpose names (shell, default, media) whatever the language', () => {
    expect(parseWith({ name: 'shell' }).name).toBe('shell');
    expect(parseWith({ name: 'default' }).name).toBe('default');
  });

  it('refuses a name that does not match <language>-<version>', () => {
    const err = errorOf(() => parseWith({ name: 'python-3.13' }));
    expect(err.code).toBe('DH_ERR_CONFIG');
    expect(err.message).toContain('stacks/test.yaml');
    expect(err.message).toContain('name');
    expect(errorOf(() => parseWith({ name: 'node-latest' })).code).toBe('DH_ERR_CONFIG');
  });

  it('requires the {entry} placeholder in the run command', () => {
    const err = errorOf(() => parseWith({ run: 'node index.js' }));
    expect(err.message).toMatch(/run .*\{entry\}/);
  });

  it('refuses Dockerfile and entry paths that climb out or are absolute', () => {
    expect(errorOf(() => parseWith({ dockerfile: '../etc/Dockerfile' })).message).toContain('dockerfile');
    expect(errorOf(() => parseWith({ dockerfile: '/abs/Dockerfile' })).message).toContain('dockerfile');
    expect(errorOf(() => parseWith({ entry: '"a;rm -rf x"' })).message).toContain('entry');
  });

  it('refuses unknown fields, so a typo does not silently do nothing', () => {
    const err = errorOf(() => parseStackDefinition(`${NODE}\nverison_command: x\n`, 'stacks/x.yaml'));
    expect(err.code).toBe('DH_ERR_CONFIG');
  });

  it('reports invalid YAML with the file name', () => {
    const err = errorOf(() => parseStackDefinition('name: [unclosed', 'stacks/broken.yaml'));
    expect(err.message).toContain('stacks/broken.yaml');
  });
});

describe('promisedVersion', () => {
  it('is the version part of a language stack name and nothing for purpose stacks', () => {
    expect(promisedVersion({ name: 'python-3.13', language: 'python' })).toBe('3.13');
    expect(promisedVersion({ name: 'shell', language: 'shell' })).toBeUndefined();
  });
});
