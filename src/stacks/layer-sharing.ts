/**
 * How much disk a set of images really takes when they share layers. An image's size counts every
 * layer it has; images built FROM one another share the layers of the one below, which the engine
 * stores once. Pure: give it each image's size and its layer list (diff ids, bottom first).
 *
 *   const usage = sharedDiskUsage([debian, base, nodeStack, pythonStack]);
 *   usage.separateBytes // the sum of the four sizes
 *   usage.uniqueBytes   // what they take together: debian + base's own + each stack's own
 */

export interface LayeredImage {
  id: string;
  /** Bytes of all the image's layers. */
  size: number;
  /** The image's layers (RootFS.Layers), bottom first. */
  layers: readonly string[];
}

export interface SharedDiskUsage {
  /** What the images would take stored one by one: the sum of their sizes. */
  separateBytes: number;
  /** What they take together, each shared layer counted once. */
  uniqueBytes: number;
  /** Per image: the bytes it adds on top of the largest image of the set it is built on. */
  ownBytes: Map<string, number>;
}

/**
 * An image's own bytes are its size minus the size of the image of the set whose layers are the
 * longest proper prefix of its own; an image that builds on none of the others counts whole. Images
 * with identical layers (two tags of one build) count once.
 */
export function sharedDiskUsage(images: readonly LayeredImage[]): SharedDiskUsage {
  const distinct = new Map<string, LayeredImage>();
  for (const image of images) {
    const key = image.layers.join('\n');
    if (!distinct.has(key)) distinct.set(key, image);
  }
  const ownBytes = new Map<string, number>();
  let uniqueBytes = 0;
  for (const image of distinct.values()) {
    const below = largestPrefix(image, distinct.values());
    const own = Math.max(0, image.size - (below?.size ?? 0));
    ownBytes.set(image.id, own);
    uniqueBytes += own;
  }
  for (const image of images) if (!ownBytes.has(image.id)) ownBytes.set(image.id, 0);
  return { separateBytes: images.reduce((sum, image) => sum + image.size, 0), uniqueBytes, ownBytes };
}

function largestPrefix(image: LayeredImage, candidates: Iterable<LayeredImage>): LayeredImage | undefined {
  let best: LayeredImage | undefined;
  for (const candidate of candidates) {
    if (candidate.layers.length >= image.layers.length) continue;
    if (!candidate.layers.every((layer, i) => image.layers[i] === layer)) continue;
    if (!best || candidate.layers.length > best.layers.length) best = candidate;
  }
  return best;
}
