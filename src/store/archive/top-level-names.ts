/**
 * The names at the top of a stored code package (files and directories right under `task/` in the
 * canonical archive): what decides how a stack installs the package's dependencies.
 *
 *   await topLevelNames(await codeStore.get(sha256)) // ['index.js', 'package.json', 'lib']
 */
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { CANONICAL_PREFIX } from './canonical-writer.ts';

export async function topLevelNames(archive: Readable): Promise<string[]> {
  const names = new Set<string>();
  const extract = tar.extract();
  extract.on('entry', (header, body, next) => {
    if (header.name.startsWith(CANONICAL_PREFIX)) {
      const first = header.name.slice(CANONICAL_PREFIX.length).split('/')[0];
      if (first) names.add(first);
    }
    body.on('end', () => next());
    body.resume();
  });
  await pipeline(archive, createGunzip(), extract);
  return [...names].sort();
}
