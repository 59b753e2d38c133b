/**
 * Builds stack images, base first, each tagged by the content hash of its inputs (targets.ts): a tag
 * that already exists means the image is current and the build is skipped. A stack build is two steps:
 * the Dockerfile, then a label-only step recording the language version read from the result (labels
 * add no layer, so the stack still shares every layer of its base). `:latest` follows the newest build.
 *
 *   const report = await buildStacks(docker, catalog, ['node-20'], { parallel: 2, onEvent: print });
 *   report.stacks[0] // { name: 'node-20', status: 'built', version: '20.19.2', ... }
 */
import type Docker from 'dockerode';
import { DhError, isDhError } from '../core/errors.ts';
import { Lanes } from '../core/lanes.ts';
import { ensureDebianBase } from '../host/debian-base.ts';
import { findImage, tagImage } from '../host/docker-images.ts';
import type { ProgressLog } from '../host/progress.ts';
import { packContext } from './build-context.ts';
import type { StackCatalog } from './catalog.ts';
import { runDockerBuild } from './docker-build.ts';
import { baseImageRepo, baseTarget, IMAGE_LABELS, stackImageRepo, stackTarget, type BaseTarget, type StackTarget } from './targets.ts';
import { readImageVersion } from './version.ts';

export interface BuildEvent {
  /** `base-<release>` or a stack name. */
  image: string;
  message: string;
  /**
   * Where the image's build stands: `waiting` for its base, `building` (with `step` once the builder
   * reports one), or finished as `cached`, `built` or `failed`. Absent on plain progress lines.
   */
  phase?: 'waiting' | 'building' | BuildStatus;
  /** The builder's `Step N/M`, for progress bars. */
  step?: { index: number; total: number };
}

export interface BuildOptions {
  /** Stacks built at the same time once their base is ready (default 2). */
  parallel?: number;
  onEvent?: (event: BuildEvent) => void;
  /** Simpler than onEvent: every event as one `[image] message` line. */
  log?: ProgressLog;
  /**
   * Rebuild even current images, running every step again (the engine's layer cache too): how a host
   * picks up Debian security updates, which do not change any input's hash.
   */
  noCache?: boolean;
}

export type BuildStatus = 'built' | 'cached' | 'failed';

export interface BaseBuildResult {
  release: string;
  status: BuildStatus;
  ref?: string;
  id?: string;
  size?: number;
  /** Bytes the base adds on top of debian:<release>-slim. */
  ownSize?: number;
  seconds: number;
  error?: DhError;
}

export interface StackBuildResult {
  name: string;
  status: BuildStatus;
  ref?: string;
  id?: string;
  version?: string;
  /** Bytes this stack adds on top of its base. */
  ownSize?: number;
  seconds: number;
  error?: DhError;
}

export interface BuildReport {
  bases: BaseBuildResult[];
  stacks: StackBuildResult[];
  ok: boolean;
}

/**
 * Builds (or finds current) the images of `names` (default: every stack) and their bases. The bases of
 * different releases build at the same time; each stack starts as soon as its own base is ready, with
 * at most `parallel` stacks building at once.
 */
export async function buildStacks(docker: Docker, catalog: StackCatalog, requested: readonly string[] = catalog.names(), options: BuildOptions = {}): Promise<BuildReport> {
  const names = [...new Set(requested)];
  names.forEach((name) => catalog.get(name)); // unknown names fail before any work starts
  const log = options.log;
  const emit = options.onEvent ?? (log ? (event: BuildEvent) => log(`[${event.image}] ${event.message}`) : () => {});
  const noCache = options.noCache === true;
  const releases = catalog.releases(names);
  const basePromises = new Map(releases.map((release) => [release, buildBase(docker, catalog, release, emit, noCache)] as const));
  const lanes = new Lanes(Math.max(1, options.parallel ?? 2));

  const stacks = await Promise.all(names.map(async (name): Promise<StackBuildResult> => {
    emit({ image: name, message: `waiting for base-${catalog.get(name).base}`, phase: 'waiting' });
    const base = await basePromises.get(catalog.get(name).base)!;
    if (base.status === 'failed') {
      const error = new DhError('DH_ERR_STACK_BUILD_FAILED', `Stack ${name} was not built because its base image failed: ${base.error?.message.split('\n')[0] ?? 'unknown error'}`);
      emit({ image: name, message: error.message, phase: 'failed' });
      return { name, status: 'failed', seconds: 0, error };
    }
    return lanes.run(() => buildStack(docker, catalog, name, { ref: base.ref!, id: base.id!, size: base.size ?? 0 }, emit, noCache));
  }));
  const bases = await Promise.all(releases.map((release) => basePromises.get(release)!));
  const all = [...bases, ...stacks];
  return { bases, stacks, ok: all.every((result) => result.status !== 'failed') };
}

/** Like buildStacks, but throws DH_ERR_STACK_BUILD_FAILED naming every image that failed. */
export async function ensureStacksBuilt(docker: Docker, catalog: StackCatalog, names: readonly string[] = catalog.names(), options: BuildOptions = {}): Promise<BuildReport> {
  const report = await buildStacks(docker, catalog, names, options);
  if (!report.ok) {
    const failures = [
      ...report.bases.filter((b) => b.error).map((b) => `base-${b.release}: ${b.error!.message}`),
      ...report.stacks.filter((s) => s.error).map((s) => `${s.name}: ${s.error!.message}`),
    ];
    throw new DhError('DH_ERR_STACK_BUILD_FAILED', `Could not build every stack image.\n${failures.join('\n')}`);
  }
  return report;
}

/** Finds (or builds) the current base of one Debian release; never throws, a failure is in the result. */
export async function buildBase(docker: Docker, catalog: StackCatalog, release: string, emit: (event: BuildEvent) => void, noCache: boolean): Promise<BaseBuildResult> {
  const image = `base-${release}`;
  const started = Date.now();
  const seconds = (): number => (Date.now() - started) / 1000;
  try {
    emit({ image, message: `checking debian:${release}-slim`, phase: 'building' });
    const debian = await ensureDebianBase(docker, release, { log: (message) => emit({ image, message }) });
    const target = await baseTarget(catalog, release, debian.id);
    const existing = noCache ? undefined : await findImage(docker, target.ref);
    if (existing) {
      emit({ image, message: `up to date: ${target.ref}`, phase: 'cached' });
      await tagImage(docker, existing.Id, `${baseImageRepo(release)}:latest`);
      return { release, status: 'cached', ref: target.ref, id: existing.Id, size: existing.Size, ownSize: existing.Size - debian.size, seconds: seconds() };
    }
    emit({ image, message: `building ${target.ref} from ${debian.ref}`, phase: 'building' });
    const id = await buildBaseImage(docker, target, debian.ref, (message) => emit(stepEvent(image, message)), noCache);
    await tagImage(docker, id, `${baseImageRepo(release)}:latest`);
    const size = (await findImage(docker, id))?.Size ?? 0;
    emit({ image, message: `built ${target.ref}`, phase: 'built' });
    return { release, status: 'built', ref: target.ref, id, size, ownSize: size - debian.size, seconds: seconds() };
  } catch (err) {
    const error = asBuildError(err, image);
    emit({ image, message: error.message.split('\n')[0] ?? 'failed', phase: 'failed' });
    return { release, status: 'failed', seconds: seconds(), error };
  }
}

function buildBaseImage(docker: Docker, target: BaseTarget, debianRef: string, onStep: (step: string) => void, noCache: boolean): Promise<string> {
  return runDockerBuild(docker, {
    context: packContext(target.context),
    dockerfile: 'Dockerfile',
    description: `the base image ${target.ref} (from ${debianRef})`,
    tag: target.ref,
    buildArgs: { DEBIAN_RELEASE: target.release },
    labels: { [IMAGE_LABELS.kind]: 'base', [IMAGE_LABELS.release]: target.release, [IMAGE_LABELS.hash]: target.hash },
    noCache,
    onStep,
  });
}

async function buildStack(docker: Docker, catalog: StackCatalog, name: string, base: { ref: string; id: string; size: number }, emit: (event: BuildEvent) => void, noCache: boolean): Promise<StackBuildResult> {
  const started = Date.now();
  const seconds = (): number => (Date.now() - started) / 1000;
  try {
    const target = await stackTarget(catalog, name, base);
    const latest = `${stackImageRepo(name)}:latest`;
    const existing = noCache ? undefined : await findImage(docker, target.ref);
    if (existing) {
      emit({ image: name, message: `up to date: ${target.ref}`, phase: 'cached' });
      await tagImage(docker, existing.Id, latest);
      const version = existing.Config.Labels?.[IMAGE_LABELS.version];
      return { name, status: 'cached', ref: target.ref, id: existing.Id, ...(version ? { version } : {}), ownSize: existing.Size - base.size, seconds: seconds() };
    }
    emit({ image: name, message: `building ${target.ref} on ${base.ref}`, phase: 'building' });
    const { id, version } = await buildStackImage(docker, target, (message) => emit(stepEvent(name, message)), noCache);
    await tagImage(docker, id, latest);
    const built = await findImage(docker, id);
    emit({ image: name, message: `${target.definition.language} ${version}`, phase: 'built' });
    return { name, status: 'built', ref: target.ref, id, version, ownSize: (built?.Size ?? 0) - base.size, seconds: seconds() };
  } catch (err) {
    const error = asBuildError(err, name);
    emit({ image: name, message: error.message.split('\n')[0] ?? 'failed', phase: 'failed' });
    return { name, status: 'failed', seconds: seconds(), error };
  }
}

/** The Dockerfile, then a label-only step carrying the version read from what the Dockerfile made. */
async function buildStackImage(docker: Docker, target: StackTarget, onStep: (step: string) => void, noCache: boolean): Promise<{ id: string; version: string }> {
  const unlabelled = await runDockerBuild(docker, {
    context: packContext(target.context),
    dockerfile: target.dockerfile,
    description: `stack ${target.name} (${target.ref})`,
    buildArgs: { BASE_IMAGE: target.base.ref },
    noCache,
    onStep,
  });
  let version: string;
  try {
    version = await readImageVersion(docker, unlabelled, target.definition);
  } catch (err) {
    // Nothing will ever use an image that failed its version check; the engine keeps it if it is shared.
    await docker.getImage(unlabelled).remove().catch(() => {});
    throw err;
  }
  const id = await runDockerBuild(docker, {
    context: packContext([{ path: 'Dockerfile', executable: false, content: Buffer.from(`FROM ${unlabelled}\n`) }]),
    dockerfile: 'Dockerfile',
    description: `the labels of stack ${target.name}`,
    tag: target.ref,
    labels: {
      [IMAGE_LABELS.kind]: 'stack',
      [IMAGE_LABELS.stack]: target.name,
      [IMAGE_LABELS.language]: target.definition.language,
      [IMAGE_LABELS.version]: version,
      [IMAGE_LABELS.hash]: target.hash,
      [IMAGE_LABELS.base]: target.base.ref,
    },
  });
  return { id, version };
}

function asBuildError(err: unknown, image: string): DhError {
  if (isDhError(err)) return err;
  return new DhError('DH_ERR_STACK_BUILD_FAILED', `Building ${image} failed: ${(err as Error).message}`, { image });
}

/** A builder line as an event; `Step N/M : ...` lines carry their position for progress bars. */
function stepEvent(image: string, message: string): BuildEvent {
  const step = /^Step (\d+)\/(\d+) : /.exec(message);
  return step ? { image, message, phase: 'building', step: { index: Number(step[1]), total: Number(step[2]) } } : { image, message };
}
