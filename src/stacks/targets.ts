/**
 * What an image *should* be right now: for a base (per Debian release) and for each stack, the content
 * hash of its inputs and the tag derived from it. Builders build to these tags; resolvers look them up.
 * A target depends on the image below it (stack on base, base on `debian:<release>-slim`), so targets
 * are computed bottom-up, each from the id of the image it is built FROM.
 *
 *   const base = await baseTarget(catalog, 'trixie', debianImageId);  // dockhand/base-trixie:<hash>
 *   const stack = await stackTarget(catalog, 'node-20', { ref: base.ref, id: baseImageId });
 */
import type { StackCatalog } from './catalog.ts';
import type { StackDefinition } from './definition.ts';
import { baseImageHash, stackImageHash, type ContextFile } from './hashing.ts';

/** Labels Dockhand puts on the images it builds. */
export const IMAGE_LABELS = {
  /** `base` or `stack`. */
  kind: 'dockhand.image',
  hash: 'dockhand.hash',
  release: 'dockhand.release',
  stack: 'dockhand.stack',
  language: 'dockhand.language',
  /** The language version read from the image at build time. */
  version: 'dockhand.version',
  /** The base image reference the stack was built on. */
  base: 'dockhand.base',
} as const;

export function debianImageRef(release: string): string {
  return `debian:${release}-slim`;
}

export function baseImageRepo(release: string): string {
  return `dockhand/base-${release}`;
}

export function stackImageRepo(name: string): string {
  return `dockhand/stack-${name}`;
}

export interface BaseTarget {
  release: string;
  hash: string;
  /** `dockhand/base-<release>:<hash>` */
  ref: string;
  contextDir: string;
  context: ContextFile[];
}

export interface StackTarget {
  name: string;
  definition: StackDefinition;
  hash: string;
  /** `dockhand/stack-<name>:<hash>` */
  ref: string;
  contextDir: string;
  context: ContextFile[];
  dockerfile: string;
  base: { ref: string; id: string };
}

export async function baseTarget(catalog: StackCatalog, release: string, debianImageId: string): Promise<BaseTarget> {
  const contextDir = catalog.baseContextDir();
  const context = await catalog.contextFiles(contextDir);
  const hash = baseImageHash({ release, debianImageId, context });
  return { release, hash, ref: `${baseImageRepo(release)}:${hash}`, contextDir, context };
}

export async function stackTarget(catalog: StackCatalog, name: string, base: { ref: string; id: string }): Promise<StackTarget> {
  const definition = catalog.get(name);
  const contextDir = catalog.contextDir(name);
  const context = await catalog.contextFiles(contextDir);
  const hash = stackImageHash({ definition, context, baseImageId: base.id });
  return { name, definition, hash, ref: `${stackImageRepo(name)}:${hash}`, contextDir, context, dockerfile: catalog.dockerfileName(name), base };
}
