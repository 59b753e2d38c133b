/**
 * Finds a stack's current image on this engine: the one tagged with the content hash of the stack's
 * inputs as they are now. A stack whose definition or Dockerfile changed since its last build, or that
 * was never built, is "not built" until `dockhand stacks build` runs; nothing is built or pulled here,
 * so the task path never waits on a build. Costs three image inspects (Debian, base, stack).
 *
 *   const { ref, id, version } = await resolveStackImage(docker, catalog, 'node-20');
 */
import type Docker from 'dockerode';
import { DhError } from '../core/errors.ts';
import { findImage } from '../host/docker-images.ts';
import type { StackCatalog } from './catalog.ts';
import type { StackDefinition } from './definition.ts';
import { baseTarget, debianImageRef, IMAGE_LABELS, stackImageRepo, stackTarget } from './targets.ts';

export interface ResolvedStackImage {
  /** `dockhand/stack-<name>:<hash>` */
  ref: string;
  id: string;
  /** The language version read from the image when it was built. */
  version: string | undefined;
}

/** Where a stack's image stands on this engine; `missing` says what is absent when it is not there. */
export interface StackImageState {
  definition: StackDefinition;
  /** The tag the stack's image has when current (known once the base is built). */
  ref?: string;
  image?: Docker.ImageInspectInfo;
  baseImage?: Docker.ImageInspectInfo;
  missing?: string;
}

export async function inspectStackImage(docker: Docker, catalog: StackCatalog, name: string): Promise<StackImageState> {
  const definition = catalog.get(name);
  const debianRef = debianImageRef(definition.base);
  const debian = await findImage(docker, debianRef);
  if (!debian) return { definition, missing: `its Debian image ${debianRef} is not on this engine` };
  const base = await baseTarget(catalog, definition.base, debian.Id);
  const baseImage = await findImage(docker, base.ref);
  if (!baseImage) return { definition, missing: `its base image ${base.ref} is not built` };
  const target = await stackTarget(catalog, name, { ref: base.ref, id: baseImage.Id });
  const image = await findImage(docker, target.ref);
  if (!image) return { definition, ref: target.ref, baseImage, missing: `no image is tagged ${target.ref}` };
  return { definition, ref: target.ref, image, baseImage };
}

/** The current image of stack `name`, or DH_ERR_STACK_NOT_FOUND / DH_ERR_STACK_NOT_BUILT. */
export async function resolveStackImage(docker: Docker, catalog: StackCatalog, name: string): Promise<ResolvedStackImage> {
  const state = await inspectStackImage(docker, catalog, name);
  if (!state.image || !state.ref) {
    const stale = await findImage(docker, `${stackImageRepo(name)}:latest`);
    const why = stale ? 'its image is older than its definition or Dockerfile' : state.missing ?? 'it has no image';
    throw new DhError('DH_ERR_STACK_NOT_BUILT', `Stack ${name} is not built on this host (${why}); run \`dockhand stacks build ${name}\`.`, { stack: name });
  }
  return { ref: state.ref, id: state.image.Id, version: state.image.Config.Labels?.[IMAGE_LABELS.version] };
}
