import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_DOCKERFILES_DIR, DEFAULT_STACKS_DIR, loadStackCatalog } from '../../src/stacks/catalog.ts';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-catalog-'));
  await cp(DEFAULT_STACKS_DIR, path.join(dir, 'stacks'), { recursive: true });
  await cp(DEFAULT_DOCKERFILES_DIR, path.join(dir, 'dockerfiles'), { recursive: true });
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadStackCatalog', () => {
  it('loads the repository stacks, each with an existing Dockerfile', async () => {
    const catalog = await loadStackCatalog();
    expect(catalog.names()).toEqual(expect.arrayContaining(['default', 'node-20', 'python-3.13', 'shell']));
    expect(catalog.releases()).toContain('trixie');
    expect(catalog.contextDir('node-20')).toBe(path.join(DEFAULT_DOCKERFILES_DIR, 'node-20'));
  });

  it('throws DH_ERR_STACK_NOT_FOUND naming the known stacks for an unknown name', async () => {
    const catalog = await loadStackCatalog(path.join(dir, 'stacks'));
    expect(() => catalog.get('cobol-85')).toThrow(expect.objectContaining({ code: 'DH_ERR_STACK_NOT_FOUND', message: expect.stringMatching(/"cobol-85".*node-20/) }));
  });

  it('substitutes the entry into the run command, defaulting to the stack entry', async () => {
    const catalog = await loadStackCatalog(path.join(dir, 'stacks'));
    expect(catalog.runCommand('node-20')).toBe('node index.js');
    expect(catalog.runCommand('python-3.13', 'app/run.py')).toBe('python3 app/run.py');
    expect(() => catalog.runCommand('node-20', 'x.js; rm -rf /')).toThrow(/not allowed/);
  });

  it('picks the first dependency rule whose file the code package has', async () => {
    const catalog = await loadStackCatalog(path.join(dir, 'stacks'));
    expect(catalog.depsCommand('node-20', ['package.json', 'package-lock.json', 'index.js'])).toMatch(/^npm ci/);
    expect(catalog.depsCommand('node-20', ['package.json'])).toMatch(/^npm install/);
    expect(catalog.depsCommand('node-20', ['index.js'])).toBeUndefined();
    expect(catalog.depsCommand('shell', ['package.json'])).toBeUndefined();
  });

  it('refuses a definition whose file name differs from the stack name', async () => {
    await cp(path.join(dir, 'stacks/node-20.yaml'), path.join(dir, 'stacks/node-22.yaml'));
    await expect(loadStackCatalog(path.join(dir, 'stacks'))).rejects.toMatchObject({ code: 'DH_ERR_CONFIG', message: expect.stringContaining('node-22.yaml') });
  });

  it('refuses a definition whose Dockerfile does not exist', async () => {
    const file = path.join(dir, 'stacks/node-20.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('node-20/Dockerfile', 'node-99/Dockerfile'));
    await expect(loadStackCatalog(path.join(dir, 'stacks'))).rejects.toMatchObject({ code: 'DH_ERR_CONFIG', message: expect.stringContaining('node-99/Dockerfile') });
  });
});
