/**
 * What happens to an uploaded package on a stack before it becomes a revision: the stack's current
 * image on this server's Docker engine is found (its id is recorded on the revision, and tasks run on
 * that image), and when the package holds a file one of the stack's dependency rules names
 * (package.json, requirements.txt, go.mod...), the package is built once, in a build container of
 * that image, and the built package is what the revision stores. Nothing is recorded until the build
 * succeeds, so a failed build leaves the previous revision current.
 *
 *   const prepared = await preparePackage(ctx, { stack: 'node-20', stored, onLog: (l) => send(l) });
 *   prepared.stored  // the built package (or the upload, when nothing needed building)
 *   prepared.imageId // the stack image it was built against
 */
import { readFile, rm } from 'node:fs/promises';
import type Docker from 'dockerode';
import { DhError, isDhError } from '../core/errors.ts';
import { Lanes } from '../core/lanes.ts';
import type { CodeRevision } from '../core/model.ts';
import type { ResolvedStackImage } from '../stacks/images.ts';
import type { AppContext } from './context.ts';
import type { StoredArchive } from './stored-archive.ts';

export interface PrepareRequest {
  stack: string;
  stored: StoredArchive;
  /** The package's name, for the build container's labels and the log. */
  name?: string;
  /** Each line of the build log, as the build runs. */
  onLog?: (line: string) => void;
}

export interface PreparedPackage {
  stored: StoredArchive;
  imageId?: string;
  /** Set when the package was built: what ran, the uploaded archive and how long it took. */
  build?: NonNullable<CodeRevision['build']>;
}

/** The engine client and build lanes of one server process, made on first use. */
interface BuildHost {
  docker: Docker;
  lanes: Lanes;
  /** The task network, made sure of once. */
  network?: Promise<void>;
}

const hosts = new WeakMap<AppContext, Promise<BuildHost>>();

export async function preparePackage(ctx: AppContext, request: PrepareRequest): Promise<PreparedPackage> {
  const { topLevelNames } = await import('../store/archive/top-level-names.ts');
  const names = await topLevelNames(await ctx.codeStore.get(request.stored.sha256));
  const command = ctx.catalog.depsCommand(request.stack, names);
  const host = await buildHost(ctx);
  const image = await stackImage(host.docker, ctx, request.stack, command !== undefined);
  if (command === undefined || image === undefined) return { stored: request.stored, ...(image ? { imageId: image.id } : {}) };

  return host.lanes.run(async () => {
    const [{ buildPackage }, { DockerRuntime }] = await Promise.all([import('../stacks/package-build.ts'), import('../runtime/docker-runtime.ts')]);
    request.onLog?.(`[dockhand] building the package on ${request.stack} (${image.version ? `${ctx.catalog.get(request.stack).language} ${image.version}, ` : ''}${image.ref})`);
    const extraCaPem = await extraCertificates(ctx);
    const runtime = new DockerRuntime(host.docker);
    // Builds join the fleet's task network: outside access, nothing between containers.
    host.network ??= runtime.ensureTaskNetwork(ctx.settings.DOCKHAND_TASK_NETWORK);
    await host.network.catch((err: unknown) => {
      host.network = undefined;
      throw err;
    });
    const built = await buildPackage(runtime, {
      image: image.id,
      command,
      code: () => ctx.codeStore.get(request.stored.sha256),
      tmpDir: ctx.tmpDir,
      ...(extraCaPem ? { extraCaPem } : {}),
      memoryMb: ctx.settings.DOCKHAND_BUILD_MEMORY,
      cpus: ctx.settings.DOCKHAND_BUILD_CPUS,
      timeoutMs: ctx.settings.DOCKHAND_BUILD_TIMEOUT * 1000,
      networkName: ctx.settings.DOCKHAND_TASK_NETWORK,
      ...(request.onLog ? { onLog: request.onLog } : {}),
      ...(request.name ? { label: request.name } : {}),
    });
    try {
      await ctx.codeStore.put(built.archive.path, built.archive.sha256);
    } finally {
      await rm(built.archive.path, { force: true });
    }
    request.onLog?.(`[dockhand] built in ${built.seconds.toFixed(1)} s: ${built.archive.fileCount} files`);
    return {
      stored: { sha256: built.archive.sha256, size: built.archive.size, fileCount: built.archive.fileCount },
      imageId: image.id,
      build: { command, seconds: Math.round(built.seconds * 10) / 10, source_sha256: request.stored.sha256 },
    };
  });
}

/**
 * The stack's current image on this engine. A package that needs a build cannot do without it; one
 * that does not is recorded without an image id when this server has no engine or no such image
 * (its workers may well have it).
 */
async function stackImage(docker: Docker, ctx: AppContext, stack: string, required: boolean): Promise<ResolvedStackImage | undefined> {
  const { resolveStackImage } = await import('../stacks/images.ts');
  try {
    return await resolveStackImage(docker, ctx.catalog, stack);
  } catch (err) {
    if (required) {
      if (isDhError(err) && err.code === 'DH_ERR_STACK_NOT_BUILT') {
        throw new DhError('DH_ERR_STACK_NOT_BUILT', `${err.message.replace(/\.$/, '')} on the server: its dependencies are built there, in the stack's image.`, err.details);
      }
      throw err;
    }
    ctx.logger.debug({ err, stack }, 'no stack image on this server; the revision records no image id');
    return undefined;
  }
}

async function extraCertificates(ctx: AppContext): Promise<string | undefined> {
  const file = ctx.settings.DOCKHAND_EXTRA_CA_CERTS;
  if (!file) return undefined;
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (err) {
    throw new DhError('DH_ERR_CONFIG', `DOCKHAND_EXTRA_CA_CERTS names ${file}, which cannot be read (${(err as Error).message}); point it at a PEM file of CA certificates.`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new DhError('DH_ERR_CONFIG', `DOCKHAND_EXTRA_CA_CERTS names ${file}, which holds no PEM certificate (-----BEGIN CERTIFICATE-----).`);
  }
  return pem;
}

function buildHost(ctx: AppContext): Promise<BuildHost> {
  let host = hosts.get(ctx);
  if (!host) {
    host = (async () => {
      const { default: Dockerode } = await import('dockerode');
      return { docker: new Dockerode(), lanes: new Lanes(ctx.settings.DOCKHAND_BUILD_CONCURRENCY) };
    })();
    hosts.set(ctx, host);
  }
  return host;
}
