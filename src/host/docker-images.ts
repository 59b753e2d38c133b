/**
 * Small image lookups shared by provisioning and the stack builder.
 *
 *   const info = await findImage(docker, 'debian:trixie-slim'); // undefined when absent
 */
import type Docker from 'dockerode';
import { DhError } from '../core/errors.ts';

/** The engine's inspect record of `ref`, or undefined when no such image exists. */
export async function findImage(docker: Docker, ref: string): Promise<Docker.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(ref).inspect();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw new DhError('DH_ERR_DOCKER_UNAVAILABLE', `Could not inspect image ${ref}: ${(err as Error).message}`, { image: ref });
  }
}

/** Points `ref` (`repo:tag`) at the image `source` (a ref or an id). */
export async function tagImage(docker: Docker, source: string, ref: string): Promise<void> {
  const { repo, tag } = splitRef(ref);
  await docker.getImage(source).tag({ repo, tag });
}

/** `repo[:tag]`; a registry host with a port has its colon before the last slash. */
export function splitRef(ref: string): { repo: string; tag: string } {
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) return { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repo: ref, tag: 'latest' };
}
