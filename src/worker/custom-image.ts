/**
 * Runs any Docker image under Dockhand's task contract (IronWorker's "docker workers"). A custom image
 * lacks the entry script that unpacks the code and payload from stdin and returns the result, so the
 * worker derives a tiny image from it, once per image id: FROM the image, plus the entry script, with
 * the image's own environment and working directory kept (the command runs in its WORKDIR, with its
 * ENV; its ENTRYPOINT is replaced by the entry script, which runs the package's command line with
 * /bin/sh). The derived image is probed once: without /bin/sh or tar it cannot take a task, and every
 * task of it fails with DH_ERR_IMAGE_UNUSABLE saying so.
 *
 *   const images = new CustomImages(docker);
 *   const { ref } = await images.prepare('my/worker:1.0');   // 'dockhand/custom:1f0c…'
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type Docker from 'dockerode';
import { DhError, isDhError } from '../core/errors.ts';
import { findImage } from '../host/docker-images.ts';
import { packContext } from '../stacks/build-context.ts';
import { DEFAULT_DOCKERFILES_DIR } from '../stacks/catalog.ts';
import { runDockerBuild } from '../stacks/docker-build.ts';

export const CUSTOM_IMAGE_REPO = 'dockhand/custom';
/** Bump when the derived image's shape changes, so every derived tag moves with it. */
const DERIVED_FORMAT = 'dockhand-custom-v1';
const ENTRY_SCRIPT = `${DEFAULT_DOCKERFILES_DIR}/base/dockhand-entry`;
const PROBE_TIMEOUT_MS = 30_000;
/** The probe's exit codes: what the image lacks. */
const NO_TAR = 97;

export interface DerivedImage {
  /** `dockhand/custom:<hash>`, what task containers are created from. */
  ref: string;
  /** The custom image's id it was derived from. */
  sourceId: string;
}

export class CustomImages {
  /** By source image id: ids are immutable, so a derivation (or its failure) holds for good. */
  private readonly derived = new Map<string, Promise<DerivedImage>>();

  constructor(private readonly docker: Docker) {}

  /** The derived image of `image` (a ref or id on this engine), built on first use. */
  async prepare(image: string): Promise<DerivedImage> {
    const source = await findImage(this.docker, image);
    if (!source) {
      throw new DhError('DH_ERR_IMAGE_NOT_FOUND', `Image ${image} is not present on this worker's Docker engine; load it on every worker (docker load / docker build).`, { image });
    }
    let derived = this.derived.get(source.Id);
    if (!derived) {
      derived = this.derive(image, source);
      this.derived.set(source.Id, derived);
      // Engine trouble is worth a retry on the next task; an unusable image is not.
      derived.catch((err: unknown) => {
        if (!(isDhError(err) && err.code === 'DH_ERR_IMAGE_UNUSABLE')) this.derived.delete(source.Id);
      });
    }
    return derived;
  }

  private async derive(image: string, source: Docker.ImageInspectInfo): Promise<DerivedImage> {
    const entry = await readFile(ENTRY_SCRIPT);
    const workdir = source.Config.WorkingDir ?? '';
    const hash = createHash('sha256').update([DERIVED_FORMAT, source.Id, workdir, createHash('sha256').update(entry).digest('hex')].join('\0')).digest('hex').slice(0, 16);
    const ref = `${CUSTOM_IMAGE_REPO}:${hash}`;
    if (await findImage(this.docker, ref)) return { ref, sourceId: source.Id };

    const dockerfile = [
      `FROM ${source.Id}`,
      'COPY dockhand-entry /usr/local/bin/dockhand-entry',
      // One plain tar on stdin (any tar reads it); the command runs in the image's own WORKDIR.
      `ENV DOCKHAND_INPUT=tar${workdir ? ` DOCKHAND_WORKDIR=${JSON.stringify(workdir)}` : ''}`,
      'ENTRYPOINT ["/usr/local/bin/dockhand-entry"]',
      'CMD []',
      '',
    ].join('\n');
    const id = await runDockerBuild(this.docker, {
      context: packContext([
        { path: 'Dockerfile', executable: false, content: Buffer.from(dockerfile) },
        { path: 'dockhand-entry', executable: true, content: entry },
      ]),
      dockerfile: 'Dockerfile',
      description: `the task image derived from ${image}`,
      labels: { 'dockhand.image': 'custom', 'dockhand.source': source.Id, 'dockhand.source-ref': image },
    });
    try {
      await this.probe(image, id);
    } catch (err) {
      await this.docker.getImage(id).remove().catch(() => undefined);
      throw err;
    }
    const colon = ref.lastIndexOf(':');
    await this.docker.getImage(id).tag({ repo: ref.slice(0, colon), tag: ref.slice(colon + 1) });
    return { ref, sourceId: source.Id };
  }

  /** Runs `/bin/sh -c 'command -v tar'` in the derived image, unprivileged and offline. */
  private async probe(image: string, id: string): Promise<void> {
    const unusable = (what: string): DhError =>
      new DhError('DH_ERR_IMAGE_UNUSABLE', `Image ${image} has no ${what}, which Dockhand needs to hand a task its code and payload; add it to the image (e.g. FROM a Debian, Ubuntu or Alpine base).`, { image });
    const container = await this.docker.createContainer({
      Image: id,
      Entrypoint: ['/bin/sh', '-c'],
      Cmd: [`command -v tar >/dev/null 2>&1 || exit ${NO_TAR}`],
      User: '1000:1000',
      NetworkDisabled: true,
      Labels: { 'dockhand.purpose': 'image-probe' },
      HostConfig: { NetworkMode: 'none', CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'], Memory: 128 * 1024 * 1024, ReadonlyRootfs: true },
    });
    try {
      try {
        await container.start();
      } catch (err) {
        if (/no such file|not found|executable file/i.test((err as Error).message)) throw unusable('/bin/sh');
        throw new DhError('DH_ERR_DOCKER_UNAVAILABLE', `Could not probe image ${image}: ${(err as Error).message}`, { image });
      }
      const exit = (await Promise.race([
        container.wait(),
        new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS / 1000} s`)), PROBE_TIMEOUT_MS).unref()),
      ])) as { StatusCode: number };
      if (exit.StatusCode === NO_TAR) throw unusable('tar');
      if (exit.StatusCode === 126 || exit.StatusCode === 127) throw unusable('working /bin/sh');
      if (exit.StatusCode !== 0) throw new DhError('DH_ERR_IMAGE_UNUSABLE', `Image ${image} failed Dockhand's check of /bin/sh and tar (exit ${exit.StatusCode}).`, { image });
    } finally {
      await container.remove({ force: true }).catch(() => undefined);
    }
  }
}
