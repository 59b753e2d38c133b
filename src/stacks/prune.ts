/**
 * `dockhand stacks prune`: removes stack images that are neither the current image of their stack nor
 * recorded by a code revision (prune-plan.ts decides). Only images of stacks in the given catalogue
 * are considered, so images of other installations on a shared engine are never touched. An image a
 * container still uses is kept and reported; the engine refuses to remove it anyway.
 *
 *   const referenced = await codes.imageIds();
 *   const report = await pruneStackImages(docker, catalog, referenced, { dryRun: true });
 */
import type Docker from 'dockerode';
import { DhError } from '../core/errors.ts';
import type { StackCatalog } from './catalog.ts';
import { inspectStackImage } from './images.ts';
import { planPrune, type KeepReason, type StackImageInfo } from './prune-plan.ts';
import { IMAGE_LABELS } from './targets.ts';

export interface PruneReport {
  removed: StackImageInfo[];
  kept: Array<StackImageInfo & { reason: KeepReason | 'in use' }>;
  /** Bytes the removed images held beyond layers other images still share (an upper bound). */
  reclaimedBytes: number;
  dryRun: boolean;
}

export async function pruneStackImages(docker: Docker, catalog: StackCatalog, referencedIds: ReadonlySet<string>, options: { dryRun?: boolean } = {}): Promise<PruneReport> {
  const dryRun = options.dryRun === true;
  const images = await listStackImages(docker, catalog);
  const current = new Set<string>();
  for (const name of catalog.names()) {
    const state = await inspectStackImage(docker, catalog, name);
    if (state.image) current.add(state.image.Id);
  }
  const plan = planPrune(images, current, referencedIds);
  const report: PruneReport = { removed: [], kept: [...plan.keep], reclaimedBytes: 0, dryRun };
  for (const image of plan.remove) {
    if (dryRun) {
      report.removed.push(image);
      continue;
    }
    if (await removeImage(docker, image)) {
      report.removed.push(image);
      report.reclaimedBytes += image.size;
    } else {
      report.kept.push({ ...image, reason: 'in use' });
    }
  }
  if (dryRun) report.reclaimedBytes = report.removed.reduce((sum, image) => sum + image.size, 0);
  return report;
}

/** Every image labelled as a stack image of one of the catalogue's stacks. */
async function listStackImages(docker: Docker, catalog: StackCatalog): Promise<StackImageInfo[]> {
  let listed: Docker.ImageInfo[];
  try {
    listed = await docker.listImages({ filters: JSON.stringify({ label: [`${IMAGE_LABELS.kind}=stack`] }) });
  } catch (err) {
    throw new DhError('DH_ERR_DOCKER_UNAVAILABLE', `Could not list the stack images: ${(err as Error).message}`);
  }
  return listed
    .map((image) => ({ id: image.Id, stack: image.Labels?.[IMAGE_LABELS.stack] ?? '', refs: (image.RepoTags ?? []).filter((ref) => ref !== '<none>:<none>'), size: image.Size }))
    .filter((image) => catalog.has(image.stack));
}

/**
 * Untags the image (each tag, so an image tagged twice goes too) or removes it by id when untagged.
 * False when a container still uses it.
 */
async function removeImage(docker: Docker, image: StackImageInfo): Promise<boolean> {
  try {
    if (image.refs.length === 0) await docker.getImage(image.id).remove();
    for (const ref of image.refs) await docker.getImage(ref).remove();
    return true;
  } catch (err) {
    const status = (err as { statusCode?: number }).statusCode;
    if (status === 409) return false;
    if (status === 404) return true;
    throw new DhError('DH_ERR_DOCKER_UNAVAILABLE', `Could not remove image ${image.refs[0] ?? image.id}: ${(err as Error).message}`, { image: image.id });
  }
}
