// `npm ci` refuses a lockfile that lacks an entry for any optional dependency a locked package declares,
// even one for another platform. A registry mirror that is missing some platform builds makes
// `npm install` drop those entries silently, and CI then fails before a single test runs. This keeps
// that from reaching main: it reads package-lock.json the way npm resolves it (nearest node_modules up
// the tree) and names every declared optional dependency with no entry.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

interface LockEntry {
  optionalDependencies?: Record<string, string>;
}

function resolvesFrom(packages: Record<string, LockEntry>, from: string, name: string): boolean {
  let base = from;
  for (;;) {
    if (`${base ? `${base}/` : ''}node_modules/${name}` in packages) return true;
    if (!base) return false;
    const parent = base.lastIndexOf('/node_modules/');
    base = parent >= 0 ? base.slice(0, parent) : '';
  }
}

describe('package-lock.json', () => {
  it('has an entry for every optional dependency a locked package declares, so npm ci accepts it', () => {
    const lock = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../package-lock.json'), 'utf8')) as {
      packages: Record<string, LockEntry>;
    };
    const missing: string[] = [];
    for (const [where, entry] of Object.entries(lock.packages)) {
      for (const name of Object.keys(entry.optionalDependencies ?? {})) {
        if (!resolvesFrom(lock.packages, where, name)) missing.push(`${where} → ${name}`);
      }
    }
    // If this fails: pin the package (package.json "overrides") to a version whose every platform
    // build the registry serves, then `npm install --package-lock-only`.
    expect(missing).toEqual([]);
  });
});
