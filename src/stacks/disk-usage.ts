/**
 * Disk used by this host's stack images: the shared bases (one per Debian release, each on its
 * debian:<release>-slim), and every current stack image, measured two ways: as the engine stores them
 * (shared layers once) and as the sum of their sizes (what one fat image per stack would cost).
 *
 *   const usage = await stackDiskUsage(docker, catalog);
 *   usage.uniqueBytes   // e.g. 3.1 GB for the whole catalogue
 *   usage.separateBytes // e.g. 7.9 GB if no layer were shared
 */
import type Docker from 'dockerode';
import { findImage } from '../host/docker-images.ts';
import type { StackCatalog } from './catalog.ts';
import { inspectStackImage } from './images.ts';
import { sharedDiskUsage, type LayeredImage } from './layer-sharing.ts';
import { baseTarget, debianImageRef } from './targets.ts';

export interface BaseUsage {
  release: string;
  /** The base image's tag, when built. */
  ref: string | null;
  /** Bytes of the base image, debian:<release>-slim included. */
  size: number | null;
  /** What the base adds to debian:<release>-slim. */
  own_size: number | null;
  /** Current stack images built on it. */
  stacks: number;
}

export interface StackDiskUsage {
  bases: BaseUsage[];
  /** Current stack images measured. */
  stacks: number;
  /** The stack images' sizes added up: each as if stored alone. */
  separateBytes: number;
  /** The bytes the stack images and their bases really take, shared layers counted once. */
  uniqueBytes: number;
}

export async function stackDiskUsage(docker: Docker, catalog: StackCatalog): Promise<StackDiskUsage> {
  const bases: BaseUsage[] = [];
  const below: LayeredImage[] = [];
  const stackImages: LayeredImage[] = [];
  for (const release of catalog.releases()) {
    const debian = await findImage(docker, debianImageRef(release));
    const base = debian ? await findImage(docker, (await baseTarget(catalog, release, debian.Id)).ref) : undefined;
    if (debian) below.push(layered(debian));
    if (base) below.push(layered(base));
    const names = catalog.names().filter((name) => catalog.get(name).base === release);
    let count = 0;
    for (const name of names) {
      const state = await inspectStackImage(docker, catalog, name);
      if (!state.image) continue;
      stackImages.push(layered(state.image));
      count++;
    }
    bases.push({
      release,
      ref: base ? (await baseTarget(catalog, release, debian!.Id)).ref : null,
      size: base?.Size ?? null,
      own_size: base && debian ? base.Size - debian.Size : null,
      stacks: count,
    });
  }
  const together = sharedDiskUsage([...below, ...stackImages]);
  return {
    bases,
    stacks: stackImages.length,
    separateBytes: stackImages.reduce((sum, image) => sum + image.size, 0),
    // Bases (and their Debian images) count only when some stack uses them.
    uniqueBytes: stackImages.length === 0 ? 0 : together.uniqueBytes - unusedBelow(below, stackImages, together.ownBytes),
  };
}

function layered(image: Docker.ImageInspectInfo): LayeredImage {
  return { id: image.Id, size: image.Size, layers: image.RootFS?.Layers ?? [] };
}

/** The own bytes of bases and Debian images that no measured stack image is built on. */
function unusedBelow(below: readonly LayeredImage[], stacks: readonly LayeredImage[], own: Map<string, number>): number {
  let unused = 0;
  for (const image of below) {
    const used = stacks.some((stack) => image.layers.every((layer, i) => stack.layers[i] === layer));
    if (!used) unused += own.get(image.id) ?? 0;
  }
  return unused;
}
