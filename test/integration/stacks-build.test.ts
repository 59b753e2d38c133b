/**
 * Stack image builds against the real engine: content-hash caching, layer sharing with the base,
 * the version read from the image, failures that say why, and resolving a stack's current image.
 */
import Docker from 'dockerode';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildStacks, ensureStacksBuilt } from '../../src/stacks/build.ts';
import { loadStackCatalog } from '../../src/stacks/catalog.ts';
import { resolveStackImage } from '../../src/stacks/images.ts';
import { IMAGE_LABELS } from '../../src/stacks/targets.ts';
import { COPY_ONE_FILE, stackFixture, type StackFixture } from './stacks-fixture.ts';

const docker = new Docker();
const REAL_STACKS = ['shell', 'node-20', 'python-3.13'];
let fixture: StackFixture;

beforeAll(async () => {
  // Usually a no-op: provisioning has built them. On a bare engine this is the cold build.
  await ensureStacksBuilt(docker, await loadStackCatalog(), REAL_STACKS, { parallel: 2 });
});

beforeEach(async () => {
  fixture = await stackFixture();
});

afterEach(async () => {
  await fixture.cleanup(docker);
});

async function layersOf(ref: string): Promise<string[]> {
  return (await docker.getImage(ref).inspect()).RootFS.Layers ?? [];
}

describe('buildStacks', () => {
  it('builds a new stack once; the second build is a no-op that finds the same image', async () => {
    const name = await fixture.addStack({ version: '1', dockerfile: COPY_ONE_FILE, files: { 'greeting.txt': `hello ${fixture.language}\n` }, versionCommand: 'echo fixture 1.4.2' });
    const catalog = await fixture.catalog();

    const first = await buildStacks(docker, catalog, [name]);
    expect(first.ok).toBe(true);
    expect(first.bases[0]?.status).toMatch(/built|cached/);
    const built = first.stacks[0]!;
    expect(built).toMatchObject({ name, status: 'built', version: '1.4.2' });
    expect(built.ref).toMatch(new RegExp(`^dockhand/stack-${name}:[0-9a-f]{12}$`));

    const events: string[] = [];
    const second = await buildStacks(docker, catalog, [name], { onEvent: (e) => events.push(e.message) });
    expect(second.stacks[0]).toMatchObject({ name, status: 'cached', id: built.id, ref: built.ref, version: '1.4.2' });
    expect(events.some((message) => message.startsWith('Step '))).toBe(false);

    const image = await docker.getImage(built.ref!).inspect();
    expect(image.Config.Labels?.[IMAGE_LABELS.version]).toBe('1.4.2');
    expect(image.Config.Labels?.[IMAGE_LABELS.stack]).toBe(name);
    expect((await docker.getImage(`dockhand/stack-${name}:latest`).inspect()).Id).toBe(built.id);
    // The stack adds one small file; its own size is what it adds, not the base.
    expect(built.ownSize).toBeGreaterThan(0);
    expect(built.ownSize).toBeLessThan(64 * 1024);
  });

  it('shares every layer of its base, for the real stacks and a new one', async () => {
    const name = await fixture.addStack({ version: '1', dockerfile: COPY_ONE_FILE, files: { 'greeting.txt': 'hi\n' }, versionCommand: 'echo 1.0' });
    const report = await ensureStacksBuilt(docker, await fixture.catalog(), [name]);
    const real = await ensureStacksBuilt(docker, await loadStackCatalog(), REAL_STACKS);
    const baseLayers = await layersOf(report.bases[0]!.ref!);
    expect(baseLayers.length).toBeGreaterThan(0);
    expect(real.bases[0]!.ref).toBe(report.bases[0]!.ref);
    for (const stack of [...report.stacks, ...real.stacks]) {
      const layers = await layersOf(stack.ref!);
      expect(layers.slice(0, baseLayers.length), stack.name).toEqual(baseLayers);
      expect(layers.length, stack.name).toBeGreaterThan(baseLayers.length);
    }
  });

  it('fails a stack whose image breaks the version its name promises, and tags nothing', async () => {
    const name = await fixture.addStack({ version: '2', dockerfile: COPY_ONE_FILE, files: { 'greeting.txt': 'hi\n' }, versionCommand: 'echo 1.4.2' });
    const report = await buildStacks(docker, await fixture.catalog(), [name]);
    expect(report.ok).toBe(false);
    const result = report.stacks[0]!;
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('DH_ERR_STACK_BUILD_FAILED');
    expect(result.error?.message).toContain(`promises ${fixture.language} 2, but the image holds 1.4.2`);
    const tagged = await docker.listImages({ filters: JSON.stringify({ reference: [`dockhand/stack-${name}`] }) });
    expect(tagged).toEqual([]);
  });

  it('fails a broken Dockerfile with the end of the build log, and ensureStacksBuilt throws', async () => {
    const name = await fixture.addStack({ version: '3', dockerfile: 'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nRUN echo about to fail && exit 3\n', versionCommand: 'echo 3.0' });
    const catalog = await fixture.catalog();
    const report = await buildStacks(docker, catalog, [name]);
    expect(report.stacks[0]?.status).toBe('failed');
    expect(report.stacks[0]?.error?.message).toContain('about to fail');
    expect(report.stacks[0]?.error?.message).toMatch(/non-zero code: 3/);
    await expect(ensureStacksBuilt(docker, catalog, [name])).rejects.toMatchObject({ code: 'DH_ERR_STACK_BUILD_FAILED', message: expect.stringContaining(name) });
  });
});

describe('resolveStackImage', () => {
  it('names the known stacks when the stack is not defined', async () => {
    await expect(resolveStackImage(docker, await loadStackCatalog(), 'cobol-85')).rejects.toMatchObject({ code: 'DH_ERR_STACK_NOT_FOUND', message: expect.stringContaining('node-20') });
  });

  it('says how to build a defined stack that has no image, then resolves it once built', async () => {
    const name = await fixture.addStack({ version: '4', dockerfile: COPY_ONE_FILE, files: { 'greeting.txt': 'v1\n' }, versionCommand: 'echo 4.1' });
    const catalog = await fixture.catalog();
    await expect(resolveStackImage(docker, catalog, name)).rejects.toMatchObject({ code: 'DH_ERR_STACK_NOT_BUILT', message: expect.stringContaining(`dockhand stacks build ${name}`) });

    const report = await ensureStacksBuilt(docker, catalog, [name]);
    expect(await resolveStackImage(docker, catalog, name)).toEqual({ ref: report.stacks[0]!.ref, id: report.stacks[0]!.id, version: '4.1' });
  });

  it('treats an image built from an older Dockerfile as not built', async () => {
    const name = await fixture.addStack({ version: '5', dockerfile: COPY_ONE_FILE, files: { 'greeting.txt': 'v1\n' }, versionCommand: 'echo 5.0' });
    await ensureStacksBuilt(docker, await fixture.catalog(), [name]);
    await fixture.addStack({ version: '5', dockerfile: COPY_ONE_FILE, files: { 'greeting.txt': 'v2\n' }, versionCommand: 'echo 5.0' });
    await expect(resolveStackImage(docker, await fixture.catalog(), name)).rejects.toMatchObject({ code: 'DH_ERR_STACK_NOT_BUILT', message: expect.stringContaining('older than its definition or Dockerfile') });
  });
});
