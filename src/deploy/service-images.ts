/**
 * Dockhand's own images, built like the stacks (src/stacks/build.ts): over the project's Debian base of
 * their release, from a build context whose content hash is the tag, so a build is skipped when the tag
 * exists and any change of an input moves it.
 *
 * - `dockhand/dockhand`: the app (server and worker roles). Its tag hashes dockerfiles/dockhand and the
 *   checkout's sources (bin, src without tests, ui, stacks, dockerfiles, package and compiler files).
 *   What goes into the image is the compiled form: src/ compiled into `app/dist` (scripts/build.js) and
 *   the production dependencies (`npm ci --omit=dev`), both staged only when the image must be built.
 *   They follow from the hashed sources and package-lock.json, so hashing them too would add nothing;
 *   compiled JavaScript starts in about a second where the sources through tsx took most of a minute
 *   on a busy node, longer than a health check's start period.
 * - `dockhand/registry`: Debian's docker-registry, the image store every Swarm node pulls from.
 * - `dockhand/redis`: Debian's redis-server with AOF, for the Swarm stack and the compose file.
 *
 *   const image = await ensureServiceImage(docker, catalog, 'dockhand', { log });  // { ref, id, status }
 */
import { cp, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { DhError } from '../core/errors.ts';
import { findImage, tagImage } from '../host/docker-images.ts';
import type { ProgressLog } from '../host/progress.ts';
import { findExecutable, runStreaming } from '../host/run-command.ts';
import { packContext, readContextFiles } from '../stacks/build-context.ts';
import { buildBase } from '../stacks/build.ts';
import type { StackCatalog } from '../stacks/catalog.ts';
import { runDockerBuild } from '../stacks/docker-build.ts';
import { serviceImageHash, type ContextFile } from '../stacks/hashing.ts';
import { IMAGE_LABELS } from '../stacks/targets.ts';

export type ServiceImageName = 'dockhand' | 'registry' | 'redis';
export const SERVICE_IMAGES: readonly ServiceImageName[] = ['dockhand', 'registry', 'redis'];

/** The Debian release each service image builds on (trixie no longer ships docker-registry). */
const RELEASE: Record<ServiceImageName, string> = { dockhand: 'trixie', registry: 'bookworm', redis: 'trixie' };

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** What of the checkout the app is made from, relative to its root. */
const APP_PATHS = ['bin', 'src', 'ui', 'stacks', 'dockerfiles', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'] as const;
/** Sources that only the tag hashes: the image carries their compiled form (app/dist) instead. */
const COMPILED_ONLY = /^app\/(src\/|tsconfig[^/]*\.json$)/;

export function serviceImageRepo(name: ServiceImageName): string {
  return `dockhand/${name}`;
}

export interface ServiceImage {
  name: ServiceImageName;
  /** `dockhand/<name>:<content hash>` */
  ref: string;
  id: string;
  status: 'built' | 'cached';
  seconds: number;
}

export interface ServiceImageOptions {
  log: ProgressLog;
  /** The checkout to package (default: the one this code runs from). */
  root?: string;
}

export async function ensureServiceImage(docker: Docker, catalog: StackCatalog, name: ServiceImageName, options: ServiceImageOptions): Promise<ServiceImage> {
  const started = Date.now();
  const log = (message: string): void => options.log(`[${name}] ${message}`);
  const release = RELEASE[name];
  const base = await buildBase(docker, catalog, release, (event) => log(event.message), false);
  if (base.status === 'failed' || !base.ref || !base.id) {
    throw base.error ?? new DhError('DH_ERR_STACK_BUILD_FAILED', `The base image of ${release} could not be built.`);
  }
  const root = options.root ?? REPO_ROOT;
  const context = await serviceContext(name, root);
  const hash = serviceImageHash({ name, context, baseImageId: base.id });
  const ref = `${serviceImageRepo(name)}:${hash}`;
  const seconds = (): number => (Date.now() - started) / 1000;
  const existing = await findImage(docker, ref);
  if (existing) {
    log(`up to date: ${ref}`);
    await tagImage(docker, existing.Id, `${serviceImageRepo(name)}:latest`);
    return { name, ref, id: existing.Id, status: 'cached', seconds: seconds() };
  }
  log(`building ${ref} on ${base.ref}`);
  const staged = name === 'dockhand' ? await stageApp(root, log) : undefined;
  try {
    const files = staged
      ? [
        ...context.filter((file) => !COMPILED_ONLY.test(file.path)),
        ...(await prefixed(path.join(staged, 'dist'), 'app/dist')),
        ...(await prefixed(path.join(staged, 'node_modules'), 'app/node_modules')),
      ]
      : context;
    const id = await runDockerBuild(docker, {
      context: packContext(files),
      dockerfile: 'Dockerfile',
      description: `the ${name} image ${ref}`,
      tag: ref,
      buildArgs: { BASE_IMAGE: base.ref },
      labels: { [IMAGE_LABELS.kind]: 'service', [IMAGE_LABELS.hash]: hash, [IMAGE_LABELS.base]: base.ref },
      onStep: log,
    });
    await tagImage(docker, id, `${serviceImageRepo(name)}:latest`);
    log(`built ${ref} in ${seconds().toFixed(1)} s`);
    return { name, ref, id, status: 'built', seconds: seconds() };
  } finally {
    if (staged) await rm(staged, { recursive: true, force: true });
  }
}

/** The hashed part of a service image's build context. */
async function serviceContext(name: ServiceImageName, root: string): Promise<ContextFile[]> {
  const own = await readContextFiles(path.join(root, 'dockerfiles', name));
  if (name !== 'dockhand') return own;
  const app: ContextFile[] = [];
  for (const entry of APP_PATHS) {
    const full = path.join(root, entry);
    const info = await stat(full).catch(() => undefined);
    if (!info) throw new DhError('DH_ERR_CONFIG', `${full} is missing; build Dockhand's image from a whole checkout of the project.`);
    if (info.isDirectory()) app.push(...(await prefixed(full, `app/${entry}`)));
    else app.push({ path: `app/${entry}`, executable: false, content: await readFile(full) });
  }
  // Tests are not part of what runs.
  return [...own, ...app.filter((file) => !/\.test\.ts$/.test(file.path))];
}

async function prefixed(dir: string, prefix: string): Promise<ContextFile[]> {
  return (await readContextFiles(dir)).map((file) => ({ ...file, path: `${prefix}/${file.path}` }));
}

/**
 * A scratch directory with the app's compiled form (`dist/`, by the checkout's own scripts/build.js)
 * and `npm ci --omit=dev` of its lockfile, on this host (its npm and its registry settings, so a TLS
 * proxy's CA works as it does for the checkout). No install scripts and no bin links: the image runs
 * `node bin/dockhand.js`, which runs dist/ where there is no src/, and needs neither.
 */
async function stageApp(root: string, log: (message: string) => void): Promise<string> {
  const npm = findExecutable('npm') ?? path.join(path.dirname(process.execPath), 'npm');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-image-'));
  log('compiling src/ into dist/');
  const compiled = await runStreaming(process.execPath, [path.join(root, 'scripts', 'build.js'), '--out-dir', path.join(dir, 'dist')], { cwd: root });
  if (compiled.code !== 0) {
    await rm(dir, { recursive: true, force: true });
    throw new DhError('DH_ERR_STACK_BUILD_FAILED', `Compiling Dockhand for its image failed (exit ${compiled.code}); \`npm run build\` shows the same errors. Last lines:\n${compiled.tail.slice(-10).join('\n')}`);
  }
  await cp(path.join(root, 'package.json'), path.join(dir, 'package.json'));
  await cp(path.join(root, 'package-lock.json'), path.join(dir, 'package-lock.json'));
  log('npm ci --omit=dev (production dependencies)');
  const run = await runStreaming(npm, ['ci', '--omit=dev', '--ignore-scripts', '--no-bin-links', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir });
  if (run.code !== 0) {
    await rm(dir, { recursive: true, force: true });
    throw new DhError('DH_ERR_STACK_BUILD_FAILED', `npm ci --omit=dev for Dockhand's image failed (exit ${run.code}); check that the npm registry is reachable. Last lines:\n${run.tail.slice(-10).join('\n')}`);
  }
  return dir;
}
