/**
 * Which of Dockhand's images on an engine a worker may collect: superseded stack images and images it
 * derived from custom ones that nothing runs any more. The rule reads only what the engine keeps (each
 * image's labels and creation time) and what the code revisions record, never counts held in a
 * process's memory, so a restarted worker decides exactly as before. Pure: image-gc.ts does the I/O.
 *
 * - A stack image (label `dockhand.image=stack`, a stack of the catalogue) is kept while it is its
 *   stack's current image, a code revision records it as the image it was built against, or a
 *   container uses it; otherwise it is superseded and goes.
 * - A derived image (label `dockhand.image=custom`, from custom-image.ts) is kept while a code revision
 *   names its source (`dockhand.source-ref`) and it is the newest derived image of that source (an
 *   older one was derived from a source image since replaced), or while a container uses it.
 * - Nothing younger than the grace period goes (a revision being uploaded may not be recorded yet),
 *   and images without those labels are never touched.
 *
 *   const plan = planImageGc({ images, currentStackIds, referencedIds, customRefsInUse, containerImageIds, knownStack, nowS, graceS: 3600 });
 *   plan.remove // [{ id, refs, why }]
 */

export interface EngineImage {
  id: string;
  refs: string[];
  labels: Record<string, string>;
  /** Creation time in seconds since the epoch, as the engine lists it. */
  createdS: number;
}

export interface ImageGcFacts {
  images: readonly EngineImage[];
  /** The current image of each stack of the catalogue on this engine. */
  currentStackIds: ReadonlySet<string>;
  /** Image ids code revisions record (the stack image each was built and tested against). */
  referencedIds: ReadonlySet<string>;
  /** Custom images, as code revisions name them, that revisions run. */
  customRefsInUse: ReadonlySet<string>;
  /** Image ids of the engine's containers, running or not. */
  containerImageIds: ReadonlySet<string>;
  knownStack(name: string): boolean;
  nowS: number;
  graceS: number;
}

export type KeepWhy = 'current' | 'referenced' | 'in use by a container' | 'young' | 'newest for its source';
export type RemoveWhy = 'superseded stack image' | 'source no longer used' | 'older derivation of its source';

export interface ImageGcPlan {
  remove: Array<{ id: string; refs: string[]; why: RemoveWhy }>;
  keep: Array<{ id: string; why: KeepWhy }>;
}

export function planImageGc(facts: ImageGcFacts): ImageGcPlan {
  const plan: ImageGcPlan = { remove: [], keep: [] };
  const newestBySource = new Map<string, EngineImage>();
  for (const image of facts.images) {
    if (image.labels['dockhand.image'] !== 'custom') continue;
    const source = image.labels['dockhand.source-ref'] ?? '';
    const newest = newestBySource.get(source);
    if (!newest || image.createdS > newest.createdS || (image.createdS === newest.createdS && image.id > newest.id)) newestBySource.set(source, image);
  }
  for (const image of facts.images) {
    const kind = image.labels['dockhand.image'];
    const isStack = kind === 'stack' && facts.knownStack(image.labels['dockhand.stack'] ?? '');
    if (!isStack && kind !== 'custom') continue;
    const keep = (why: KeepWhy): void => { plan.keep.push({ id: image.id, why }); };
    if (facts.containerImageIds.has(image.id)) { keep('in use by a container'); continue; }
    if (facts.nowS - image.createdS < facts.graceS) { keep('young'); continue; }
    if (isStack) {
      if (facts.currentStackIds.has(image.id)) keep('current');
      else if (facts.referencedIds.has(image.id)) keep('referenced');
      else plan.remove.push({ id: image.id, refs: image.refs, why: 'superseded stack image' });
      continue;
    }
    const source = image.labels['dockhand.source-ref'] ?? '';
    if (!facts.customRefsInUse.has(source)) plan.remove.push({ id: image.id, refs: image.refs, why: 'source no longer used' });
    else if (newestBySource.get(source)?.id !== image.id) plan.remove.push({ id: image.id, refs: image.refs, why: 'older derivation of its source' });
    else keep('newest for its source');
  }
  return plan;
}
