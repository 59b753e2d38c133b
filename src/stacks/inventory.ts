/**
 * What `dockhand stacks list` shows: every defined stack with the state of its image on this engine.
 * `own_size` is what the stack adds on top of its shared base, which is stored once per host.
 *
 *   for (const row of await stackInventory(docker, catalog)) console.log(row.name, row.state);
 */
import type Docker from 'dockerode';
import { findImage } from '../host/docker-images.ts';
import type { StackCatalog } from './catalog.ts';
import { inspectStackImage } from './images.ts';
import { IMAGE_LABELS, stackImageRepo } from './targets.ts';

export interface StackInventoryRow {
  name: string;
  language: string;
  /** Read from the image at build time; null until built. */
  version: string | null;
  /** Debian release of the base. */
  base: string;
  image: string | null;
  image_id: string | null;
  size: number | null;
  own_size: number | null;
  built_at: string | null;
  present: boolean;
  /** `built`: current image present; `stale`: an older build exists; `missing`: never built here. */
  state: 'built' | 'stale' | 'missing';
}

export async function stackInventory(docker: Docker, catalog: StackCatalog): Promise<StackInventoryRow[]> {
  return Promise.all(catalog.names().map(async (name): Promise<StackInventoryRow> => {
    const state = await inspectStackImage(docker, catalog, name);
    const { definition, image, baseImage } = state;
    const row = { name, language: definition.language, base: definition.base };
    if (image) {
      return {
        ...row,
        version: image.Config.Labels?.[IMAGE_LABELS.version] ?? null,
        image: state.ref ?? null,
        image_id: image.Id,
        size: image.Size,
        own_size: baseImage ? image.Size - baseImage.Size : null,
        built_at: image.Created,
        present: true,
        state: 'built',
      };
    }
    const stale = await findImage(docker, `${stackImageRepo(name)}:latest`);
    return {
      ...row,
      version: stale?.Config.Labels?.[IMAGE_LABELS.version] ?? null,
      image: state.ref ?? null,
      image_id: null,
      size: null,
      own_size: null,
      built_at: stale?.Created ?? null,
      present: false,
      state: stale ? 'stale' : 'missing',
    };
  }));
}
