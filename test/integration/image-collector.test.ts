/**
 * The worker's image collection against a real engine: a second engine of the test's own (so nothing
 * of the machine's own engine is touched), images labelled as Dockhand labels them, code revisions in
 * Redis. Superseded stack images and derived images nothing runs go; the images revisions record, the
 * newest derivation of a source in use, images a container uses and images without Dockhand's labels
 * stay, and a grace period keeps young ones.
 */
import type Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageCollector } from '../../src/stacks/image-collector.ts';
import { addTestRevision } from '../helpers/code-revision.ts';
import { BASE_TEST_IMAGE, ensureBaseImage } from '../helpers/docker.ts';
import { startFleet, type TestFleet } from '../helpers/fleet.ts';
import { startSecondEngine, type SecondEngine } from '../helpers/second-engine.ts';

let engine: SecondEngine;
let fleet: TestFleet;

beforeAll(async () => {
  await ensureBaseImage();
  engine = await startSecondEngine({ images: [BASE_TEST_IMAGE] });
  fleet = await startFleet({ worker: false });
});

afterAll(async () => {
  await fleet?.stop();
  await engine?.stop();
});

/** An image on the second engine: the test base with these labels (and a unique one, so ids differ). */
async function labelledImage(docker: Dockerode, ref: string, labels: Record<string, string>): Promise<string> {
  const container = await docker.createContainer({ Image: BASE_TEST_IMAGE, Cmd: ['true'] });
  const [repo, tag] = ref.split(':') as [string, string];
  const changes = Object.entries({ ...labels, 'test.ref': ref }).map(([k, v]) => `LABEL ${k}=${v}`);
  await container.commit({ repo, tag, changes });
  await container.remove();
  return (await docker.getImage(ref).inspect()).Id;
}

async function exists(docker: Dockerode, id: string): Promise<boolean> {
  return docker.getImage(id).inspect().then(() => true, () => false);
}

describe('image collection', () => {
  it('removes superseded stack images and unused derivations, keeps what revisions and containers use', async () => {
    const docker = engine.docker;
    const stack = { 'dockhand.image': 'stack', 'dockhand.stack': 'shell' };
    const recorded = await labelledImage(docker, 'dockhand/stack-shell:aaaaaaaaaaaa', stack);
    const superseded = await labelledImage(docker, 'dockhand/stack-shell:bbbbbbbbbbbb', stack);
    const usedByContainer = await labelledImage(docker, 'dockhand/stack-shell:cccccccccccc', stack);
    await docker.createContainer({ Image: 'dockhand/stack-shell:cccccccccccc', Cmd: ['true'] });
    const olderDerivation = await labelledImage(docker, 'dockhand/custom-tool:1', { 'dockhand.image': 'custom', 'dockhand.source-ref': 'example/tool:1' });
    await new Promise((resolve) => setTimeout(resolve, 1100)); // creation times are in whole seconds
    const newestDerivation = await labelledImage(docker, 'dockhand/custom-tool:2', { 'dockhand.image': 'custom', 'dockhand.source-ref': 'example/tool:1' });
    const unusedSource = await labelledImage(docker, 'dockhand/custom-gone:1', { 'dockhand.image': 'custom', 'dockhand.source-ref': 'example/gone:1' });
    const unlabelled = await labelledImage(docker, 'someone/else:1', {});

    await addTestRevision(fleet.ctx, fleet.projectId, 'pinned', { image: undefined, stack: 'shell', image_id: recorded });
    await addTestRevision(fleet.ctx, fleet.projectId, 'tool', { image: 'example/tool:1', command: 'true' });

    // Young images are kept whatever else holds.
    const young = await new ImageCollector(docker, fleet.ctx.catalog, fleet.ctx.codes, fleet.ctx.logger, { graceS: 3600 }).pass();
    expect(young).toEqual([]);

    const removed = await new ImageCollector(docker, fleet.ctx.catalog, fleet.ctx.codes, fleet.ctx.logger, { graceS: 0 }).pass();
    expect(Object.fromEntries(removed.map((r) => [r.id, r.why]))).toEqual({
      [superseded]: 'superseded stack image',
      [olderDerivation]: 'older derivation of its source',
      [unusedSource]: 'source no longer used',
    });
    for (const id of [superseded, olderDerivation, unusedSource]) expect(await exists(docker, id)).toBe(false);
    for (const id of [recorded, usedByContainer, newestDerivation, unlabelled]) expect(await exists(docker, id)).toBe(true);
  }, 180_000);
});
