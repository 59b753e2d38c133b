import { chmod, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_DOCKERFILES_DIR, DEFAULT_STACKS_DIR, loadStackCatalog } from '../../src/stacks/catalog.ts';
import { canonicalJson, contextHash } from '../../src/stacks/hashing.ts';
import { baseTarget, stackTarget } from '../../src/stacks/targets.ts';

const BASE = { ref: 'dockhand/base-trixie:0123456789ab', id: 'sha256:base' };
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-hash-'));
  await cp(DEFAULT_STACKS_DIR, path.join(dir, 'stacks'), { recursive: true });
  await cp(DEFAULT_DOCKERFILES_DIR, path.join(dir, 'dockerfiles'), { recursive: true });
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Every stack's tag as the catalog in the temp copy stands now (a fresh catalog reads files anew). */
async function stackHashes(baseId = BASE.id): Promise<Record<string, string>> {
  const catalog = await loadStackCatalog(path.join(dir, 'stacks'));
  const entries = await Promise.all(catalog.names().map(async (name) => [name, (await stackTarget(catalog, name, { ...BASE, id: baseId })).hash] as const));
  return Object.fromEntries(entries);
}

async function edit(relative: string, change: (text: string) => string): Promise<void> {
  const file = path.join(dir, relative);
  await writeFile(file, change(await readFile(file, 'utf8')));
}

function changedKeys(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys(before).filter((key) => before[key] !== after[key]);
}

describe('stack image hashes', () => {
  it('are stable: the same inputs give the same 12-character tags', async () => {
    const first = await stackHashes();
    expect(await stackHashes()).toEqual(first);
    for (const hash of Object.values(first)) expect(hash).toMatch(/^[0-9a-f]{12}$/);
    expect(new Set(Object.values(first)).size).toBe(Object.keys(first).length);
  });

  it('change only for the stack whose Dockerfile changed', async () => {
    const before = await stackHashes();
    await edit('dockerfiles/node-20/Dockerfile', (text) => `${text}# a comment\n`);
    expect(changedKeys(before, await stackHashes())).toEqual(['node-20']);
  });

  it('change only for the stack whose definition changed, but not for a reworded description', async () => {
    const before = await stackHashes();
    await edit('stacks/python-3.13.yaml', (text) => text.replace(/^description: .*$/m, 'description: reworded'));
    expect(changedKeys(before, await stackHashes())).toEqual([]);
    await edit('stacks/python-3.13.yaml', (text) => text.replace('run: python3 {entry}', 'run: python3 -X utf8 {entry}'));
    expect(changedKeys(before, await stackHashes())).toEqual(['python-3.13']);
  });

  it('change for both stacks sharing a Dockerfile when that Dockerfile changes', async () => {
    const before = await stackHashes();
    await edit('dockerfiles/shell/Dockerfile', (text) => `${text}# a comment\n`);
    expect(changedKeys(before, await stackHashes()).sort()).toEqual(['default', 'shell']);
  });

  it('change when a context file becomes executable, since the image would differ', async () => {
    await writeFile(path.join(dir, 'dockerfiles/node-20/helper.sh'), 'echo hi\n');
    const before = await stackHashes();
    await chmod(path.join(dir, 'dockerfiles/node-20/helper.sh'), 0o755);
    expect(changedKeys(before, await stackHashes())).toEqual(['node-20']);
  });

  it('change for every stack when the base image they build on changes', async () => {
    const before = await stackHashes();
    const after = await stackHashes('sha256:another-base');
    expect(changedKeys(before, after).sort()).toEqual(Object.keys(before).sort());
  });
});

describe('base image hashes', () => {
  it('follow the base context and the Debian image, not the stacks', async () => {
    const hashOf = async (debianId: string) => (await baseTarget(await loadStackCatalog(path.join(dir, 'stacks')), 'trixie', debianId)).hash;
    const before = await hashOf('sha256:debian');
    await edit('dockerfiles/node-20/Dockerfile', (text) => `${text}# a comment\n`);
    expect(await hashOf('sha256:debian')).toBe(before);
    expect(await hashOf('sha256:other-debian')).not.toBe(before);
    await edit('dockerfiles/base/Dockerfile', (text) => `${text}# a comment\n`);
    expect(await hashOf('sha256:debian')).not.toBe(before);
  });
});

describe('contextHash and canonicalJson', () => {
  it('ignore file order and key order', () => {
    const a = { path: 'a', executable: false, content: Buffer.from('1') };
    const b = { path: 'b/c', executable: true, content: Buffer.from('2') };
    expect(contextHash([a, b])).toBe(contextHash([b, a]));
    expect(canonicalJson({ x: 1, y: { b: [1, 2], a: null } })).toBe(canonicalJson({ y: { a: null, b: [1, 2] }, x: 1 }));
    expect(canonicalJson({ x: [1, 2] })).not.toBe(canonicalJson({ x: [2, 1] }));
  });
});
