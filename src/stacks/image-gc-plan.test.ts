import { describe, expect, it } from 'vitest';
import { planImageGc, type EngineImage, type ImageGcFacts } from './image-gc-plan.ts';

const HOUR = 3600;
const now = 1_000_000;
const stack = (id: string, name: string, ageS = 2 * HOUR): EngineImage => ({ id, refs: [`dockhand/stack-${name}:${id}`], labels: { 'dockhand.image': 'stack', 'dockhand.stack': name }, createdS: now - ageS });
const derived = (id: string, sourceRef: string, ageS = 2 * HOUR): EngineImage => ({ id, refs: [`dockhand/custom:${id}`], labels: { 'dockhand.image': 'custom', 'dockhand.source': `sha256:src-${id}`, 'dockhand.source-ref': sourceRef }, createdS: now - ageS });

function facts(images: EngineImage[], more: Partial<ImageGcFacts> = {}): ImageGcFacts {
  return {
    images,
    currentStackIds: new Set(),
    referencedIds: new Set(),
    customRefsInUse: new Set(),
    containerImageIds: new Set(),
    knownStack: (name) => ['node-20', 'python-3.13'].includes(name),
    nowS: now,
    graceS: HOUR,
    ...more,
  };
}

describe('image collection', () => {
  it('removes superseded stack images and keeps the current and every one a revision records', () => {
    const plan = planImageGc(facts([stack('cur', 'node-20'), stack('old', 'node-20'), stack('pinned', 'node-20')], { currentStackIds: new Set(['cur']), referencedIds: new Set(['pinned']) }));
    expect(plan.remove).toEqual([{ id: 'old', refs: ['dockhand/stack-node-20:old'], why: 'superseded stack image' }]);
    expect(plan.keep).toEqual([{ id: 'cur', why: 'current' }, { id: 'pinned', why: 'referenced' }]);
  });

  it('never removes an image a container uses, or one younger than the grace period', () => {
    const plan = planImageGc(facts([stack('old', 'node-20'), stack('new', 'python-3.13', 60), derived('d1', 'gone:1')], { containerImageIds: new Set(['old', 'd1']) }));
    expect(plan.remove).toEqual([]);
    expect(plan.keep.map((k) => k.why)).toEqual(['in use by a container', 'young', 'in use by a container']);
  });

  it('removes a derived image whose source no revision runs, and older derivations of a source still used', () => {
    const plan = planImageGc(facts([derived('a-old', 'app:1', 5 * HOUR), derived('a-new', 'app:1', 3 * HOUR), derived('b', 'retired:2')], { customRefsInUse: new Set(['app:1']) }));
    expect(plan.remove.map((r) => [r.id, r.why])).toEqual([['a-old', 'older derivation of its source'], ['b', 'source no longer used']]);
    expect(plan.keep).toEqual([{ id: 'a-new', why: 'newest for its source' }]);
  });

  it('leaves images that are not Dockhand\'s, and stacks outside the catalogue, alone', () => {
    const foreign: EngineImage = { id: 'x', refs: ['debian:trixie'], labels: {}, createdS: 0 };
    const plan = planImageGc(facts([foreign, stack('other', 'elsewhere'), { ...foreign, id: 'base', labels: { 'dockhand.image': 'base' } }]));
    expect(plan).toEqual({ remove: [], keep: [] });
  });

  it('decides the same from the same labels, whatever the order the engine lists them in', () => {
    const images = [derived('a-old', 'app:1', 5 * HOUR), derived('a-new', 'app:1', 3 * HOUR), stack('old', 'node-20')];
    const one = planImageGc(facts(images, { customRefsInUse: new Set(['app:1']) }));
    const two = planImageGc(facts([...images].reverse(), { customRefsInUse: new Set(['app:1']) }));
    expect(new Set(two.remove.map((r) => r.id))).toEqual(new Set(one.remove.map((r) => r.id)));
  });
});
