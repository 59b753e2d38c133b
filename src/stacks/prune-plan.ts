/**
 * Which stack images `dockhand stacks prune` may remove. An image is kept when it is the current
 * image of its stack (its tag is the content hash of the stack's inputs as they are now) or when a
 * code revision records it as the image it was built and tested against; every other image of a
 * known stack is stale and may go. Pure: the caller lists images, current ids and referenced ids.
 *
 *   const plan = planPrune(images, new Set([currentNodeId]), await codes.imageIds());
 *   plan.remove // stale, unreferenced images
 */

export interface StackImageInfo {
  id: string;
  /** The stack the image was built for (its `dockhand.stack` label). */
  stack: string;
  /** Its tags (`dockhand/stack-<name>:<hash>`, `:latest`). */
  refs: string[];
  size: number;
}

export type KeepReason = 'current' | 'referenced';

export interface PrunePlan {
  remove: StackImageInfo[];
  keep: Array<StackImageInfo & { reason: KeepReason }>;
}

export function planPrune(images: readonly StackImageInfo[], currentIds: ReadonlySet<string>, referencedIds: ReadonlySet<string>): PrunePlan {
  const plan: PrunePlan = { remove: [], keep: [] };
  for (const image of images) {
    if (currentIds.has(image.id)) plan.keep.push({ ...image, reason: 'current' });
    else if (referencedIds.has(image.id)) plan.keep.push({ ...image, reason: 'referenced' });
    else plan.remove.push(image);
  }
  return plan;
}
