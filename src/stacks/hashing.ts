/**
 * Content hashes that name Dockhand's images. An image's tag is the hash of everything that goes into
 * it: its build context (file names, contents, executable bits), its stack definition, and the id of
 * the image it is built FROM. Same inputs, same tag, so a build is skipped when the tag exists; change
 * one stack's inputs and only that stack's tag moves. Pure.
 *
 *   stackImageHash({ definition, context, baseImageId }) // '3f9c0a1b2c4d'
 */
import { createHash } from 'node:crypto';
import type { StackDefinition } from './definition.ts';

/** Bump when the way images are built changes, so every tag moves with it. */
export const IMAGE_FORMAT = 'dockhand-image-v1';
const TAG_LENGTH = 12;

export interface ContextFile {
  /** Path inside the build context, with `/` separators. */
  path: string;
  executable: boolean;
  content: Buffer;
}

/** The hash of a build context: order-independent, blind to timestamps and owners. */
export function contextHash(files: readonly ContextFile[]): string {
  const hash = createHash('sha256');
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const contentHash = createHash('sha256').update(file.content).digest('hex');
    hash.update(`${file.path}\0${file.executable ? 'x' : '-'}\0${contentHash}\n`);
  }
  return hash.digest('hex');
}

/** The tag of the shared base of one Debian release. */
export function baseImageHash(input: { release: string; debianImageId: string; context: readonly ContextFile[] }): string {
  return shortHash([IMAGE_FORMAT, 'base', input.release, input.debianImageId, contextHash(input.context)]);
}

/** The tag of one stack's image. */
export function stackImageHash(input: { definition: StackDefinition; context: readonly ContextFile[]; baseImageId: string }): string {
  // The description is prose for people; rewording it must not force a rebuild on every host.
  const { description: _prose, ...definition } = input.definition;
  return shortHash([IMAGE_FORMAT, 'stack', canonicalJson(definition), input.baseImageId, contextHash(input.context)]);
}

/**
 * The tag of one of Dockhand's own service images (the app, the in-swarm registry): its name, the base
 * it is built on and its whole build context, so any change of the app's files moves the tag.
 */
export function serviceImageHash(input: { name: string; context: readonly ContextFile[]; baseImageId: string }): string {
  return shortHash([IMAGE_FORMAT, 'service', input.name, input.baseImageId, contextHash(input.context)]);
}

function shortHash(parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, TAG_LENGTH);
}

/** JSON with object keys sorted at every level, so key order in a YAML file never moves a hash. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
