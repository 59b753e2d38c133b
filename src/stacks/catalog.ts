/**
 * The stacks this installation knows: every definition under `stacks/`, with the paths of their
 * Dockerfiles under `dockerfiles/`. Loading reads only small YAML files, so every process does it at
 * start; image state (built or not, version) lives in images.ts and inventory.ts.
 *
 *   const catalog = await loadStackCatalog();
 *   catalog.get('node-20').base          // 'trixie'
 *   catalog.runCommand('node-20')        // 'node index.js'
 *   catalog.runCommand('python-3.13', 'app/run.py') // 'python3 app/run.py'
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DhError } from '../core/errors.ts';
import { readContextFiles } from './build-context.ts';
import type { ContextFile } from './hashing.ts';
import { isSafeRelativePath, parseStackDefinition, type StackDefinition } from './definition.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEFAULT_STACKS_DIR = path.join(REPO_ROOT, 'stacks');
export const DEFAULT_DOCKERFILES_DIR = path.join(REPO_ROOT, 'dockerfiles');
/** The shared base every stack of a release builds on: dockerfiles/base. */
export const BASE_DOCKERFILE_DIR = 'base';

export interface CatalogOptions {
  /** Where the Dockerfiles live; default dockerfiles/ beside the stacks directory's parent. */
  dockerfilesDir?: string;
}

export class StackCatalog {
  private readonly byName: ReadonlyMap<string, StackDefinition>;
  private readonly contexts = new Map<string, Promise<ContextFile[]>>();

  constructor(definitions: readonly StackDefinition[], readonly dockerfilesDir: string) {
    this.byName = new Map([...definitions].sort((a, b) => a.name.localeCompare(b.name)).map((def) => [def.name, def]));
  }

  /** The definition of `name`, or DH_ERR_STACK_NOT_FOUND listing the stacks there are. */
  get(name: string): StackDefinition {
    const def = this.byName.get(name);
    if (!def) {
      throw new DhError('DH_ERR_STACK_NOT_FOUND', `No stack named "${name}"; the stacks are: ${this.names().join(', ') || '(none)'}.`, { stack: name, known: this.names() });
    }
    return def;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  list(): StackDefinition[] {
    return [...this.byName.values()];
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  /** The Debian releases the given stacks (default: all) build on. */
  releases(names: readonly string[] = this.names()): string[] {
    return [...new Set(names.map((name) => this.get(name).base))].sort();
  }

  /** The shell line that runs a code package on this stack; `entry` defaults to the stack's. */
  runCommand(name: string, entry?: string): string {
    const def = this.get(name);
    const file = entry ?? def.entry;
    if (!isSafeRelativePath(file)) {
      throw new DhError('DH_ERR_VALIDATION', `Entry file "${file}" is not allowed: give a relative path of letters, digits, ".", "_" and "-" inside the code package.`, { field: 'entry' });
    }
    return def.run.replaceAll('{entry}', file);
  }

  /** The dependency install line for a code package holding `files` at its top, if any rule applies. */
  depsCommand(name: string, files: Iterable<string>): string | undefined {
    const present = new Set(files);
    return this.get(name).deps.find((rule) => present.has(rule.when))?.run;
  }

  /** The build context directory of a stack (its Dockerfile's directory). */
  contextDir(name: string): string {
    return path.join(this.dockerfilesDir, path.dirname(this.get(name).dockerfile));
  }

  /** The Dockerfile's path relative to its context directory. */
  dockerfileName(name: string): string {
    return path.basename(this.get(name).dockerfile);
  }

  /** The build context of the shared base image. */
  baseContextDir(): string {
    return path.join(this.dockerfilesDir, BASE_DOCKERFILE_DIR);
  }

  /** The files of a build context, read once per catalog (they are part of the installation). */
  contextFiles(dir: string): Promise<ContextFile[]> {
    let files = this.contexts.get(dir);
    if (!files) {
      files = readContextFiles(dir);
      this.contexts.set(dir, files);
      files.catch(() => this.contexts.delete(dir));
    }
    return files;
  }
}

/** Reads and validates every `*.yaml`, `*.yml` and `*.json` definition in `dir`. */
export async function loadStackCatalog(dir: string = DEFAULT_STACKS_DIR, options: CatalogOptions = {}): Promise<StackCatalog> {
  const dockerfilesDir = options.dockerfilesDir ?? path.join(path.dirname(path.resolve(dir)), 'dockerfiles');
  let files: string[];
  try {
    files = (await readdir(dir)).filter((file) => /\.(ya?ml|json)$/.test(file)).sort();
  } catch (err) {
    throw new DhError('DH_ERR_CONFIG', `Cannot read the stack definitions in ${dir}: ${(err as Error).message}.`);
  }
  const definitions: StackDefinition[] = [];
  for (const file of files) {
    const source = path.join(dir, file);
    const def = parseStackDefinition(await readFile(source, 'utf8'), source);
    const expected = file.replace(/\.(ya?ml|json)$/, '');
    if (def.name !== expected) {
      throw new DhError('DH_ERR_CONFIG', `Stack definition ${source} names the stack "${def.name}"; rename the file to ${def.name}${path.extname(file)} or fix the name.`);
    }
    if (!existsSync(path.join(dockerfilesDir, def.dockerfile))) {
      throw new DhError('DH_ERR_CONFIG', `Stack ${def.name} names the Dockerfile ${def.dockerfile}, which is not in ${dockerfilesDir}.`);
    }
    definitions.push(def);
  }
  return new StackCatalog(definitions, dockerfilesDir);
}
