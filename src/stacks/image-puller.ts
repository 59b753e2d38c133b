/**
 * Brings the current stack images onto a worker's engine from a registry (DOCKHAND_REGISTRY, the
 * in-swarm one in a Swarm deployment): one pass before the node takes tasks, then periodically in the
 * background, so a stack built and pushed later reaches every node without a restart. Never on a
 * task's path (docs/deploy.md).
 *
 * A stack's tag is the content hash of its inputs and of the ids of the images below it, so the pull
 * goes bottom-up: `debian:<release>-slim`, then the base the node computes from its id, then the stack.
 * Image ids are config digests, the same on every engine, so the node computes the same tags the
 * builder did. Each pulled image is tagged back to its plain name; what the registry lacks is skipped.
 *
 *   const puller = new StackImagePuller(docker, catalog, '127.0.0.1:5000', logger);
 *   await puller.pass();  puller.start(30_000);  ...  await puller.stop();
 */
import type Docker from 'dockerode';
import { findImage, tagImage } from '../host/docker-images.ts';
import type { StackCatalog } from './catalog.ts';
import { consumeJsonLines } from './docker-build.ts';
import { baseTarget, debianImageRef, stackImageRepo, stackTarget } from './targets.ts';
import type { Logger } from '../telemetry/logger.ts';

export class StackImagePuller {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<string[]> | undefined;

  constructor(private readonly docker: Docker, private readonly catalog: StackCatalog, private readonly registry: string, private readonly logger: Logger) {}

  /** A pass every `everyMs` from now on (the first one is the caller's own `pass()`). */
  start(everyMs: number): void {
    this.timer = setInterval(() => void this.pass(), everyMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One pass over every stack (never two at once); returns the stacks whose image it pulled. */
  pass(): Promise<string[]> {
    this.running ??= this.pullMissing().finally(() => { this.running = undefined; });
    return this.running;
  }

  private async pullMissing(): Promise<string[]> {
    const pulled: string[] = [];
    for (const name of this.catalog.names()) {
      try {
        if (await this.ensureStack(name)) pulled.push(name);
      } catch (err) {
        this.logger.warn({ err, stack: name, registry: this.registry }, 'could not pull a stack image');
      }
    }
    if (pulled.length > 0) this.logger.info({ stacks: pulled, registry: this.registry }, 'pulled stack images');
    return pulled;
  }

  private async ensureStack(name: string): Promise<boolean> {
    const release = this.catalog.get(name).base;
    const debian = await this.present(debianImageRef(release));
    if (!debian) return false;
    const base = await baseTarget(this.catalog, release, debian.Id);
    const baseImage = await this.present(base.ref);
    if (!baseImage) return false;
    const target = await stackTarget(this.catalog, name, { ref: base.ref, id: baseImage.Id });
    if (await findImage(this.docker, target.ref)) return false;
    const image = await this.pull(target.ref);
    if (!image) return false;
    await tagImage(this.docker, image.Id, `${stackImageRepo(name)}:latest`);
    return true;
  }

  /** The image on this engine, pulled first if it is not. */
  private async present(ref: string): Promise<Docker.ImageInspectInfo | undefined> {
    return (await findImage(this.docker, ref)) ?? this.pull(ref);
  }

  /** Pulls `<registry>/<ref>` and tags it `ref`; undefined when the registry does not hold it. */
  private async pull(ref: string): Promise<Docker.ImageInspectInfo | undefined> {
    const remote = `${this.registry}/${ref}`;
    let failure: string | undefined;
    try {
      const stream = (await this.docker.pull(remote));
      await consumeJsonLines<{ error?: string }>(stream, (message) => { if (message.error) failure = message.error; });
    } catch (err) {
      failure = (err as Error).message;
    }
    if (failure !== undefined) {
      this.logger.debug({ image: remote, reason: failure }, 'the registry does not hold this image (yet)');
      return undefined;
    }
    await tagImage(this.docker, remote, ref);
    return findImage(this.docker, ref);
  }
}
