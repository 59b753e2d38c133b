/**
 * Which image and command a code revision runs with on this node (never pulled or built from a
 * registry while a task waits):
 * - a stack package runs on the image its revision was built and tested against (`image_id`) when
 *   this node has it, and otherwise on the stack's current image (built ahead of time);
 * - a custom-image package runs on the image Dockhand derives from it (custom-image.ts), which
 *   takes the task over stdin as one plain tar.
 * The command is the package's own, or the stack's run command.
 */
import type Docker from 'dockerode';
import { DhError } from '../core/errors.ts';
import type { CodeRevision } from '../core/model.ts';
import type { ContainerRuntime } from '../runtime/port.ts';
import type { StackCatalog } from '../stacks/catalog.ts';
import { resolveStackImage } from '../stacks/images.ts';
import { IMAGE_LABELS, stackImageRepo } from '../stacks/targets.ts';
import { CustomImages } from './custom-image.ts';
import type { ImageResolver, ResolvedImage } from './execute-task.ts';

/** Stack image lookups are cached briefly: the hot path should not inspect images on every task. */
const CACHE_MS = 10_000;

export class DockerImageResolver implements ImageResolver {
  private readonly current = new Map<string, { ref: string; at: number }>();
  /** Pinned images this node has (their ref) or lacks (undefined), by `<stack>@<id>`. */
  private readonly pinned = new Map<string, { ref: string | undefined; at: number }>();
  private readonly custom: CustomImages;

  constructor(private readonly docker: Docker, private readonly catalog: StackCatalog, private readonly runtime: ContainerRuntime) {
    this.custom = new CustomImages(docker);
  }

  async resolve(code: CodeRevision): Promise<ResolvedImage> {
    if (code.image) {
      if (!code.command) throw new DhError('DH_ERR_VALIDATION', `Code package "${code.name}" runs image ${code.image} but names no command; upload it again with --command.`);
      if (!(await this.runtime.imageExists(code.image))) {
        throw new DhError('DH_ERR_IMAGE_NOT_FOUND', `Image ${code.image} is not present on this worker's Docker engine; load it on every worker (docker load / docker build).`, { image: code.image });
      }
      const derived = await this.custom.prepare(code.image);
      return { image: derived.ref, command: code.command, input: 'tar' };
    }
    const stack = code.stack ?? 'default';
    const command = code.command ?? this.catalog.runCommand(stack);
    const pinned = code.image_id ? await this.pinnedImage(stack, code.image_id) : undefined;
    // An image known only by its id is named by its stack in container records and traces.
    if (pinned?.startsWith('sha256:')) return { image: pinned, imageName: `dockhand/stack-${stack}@${pinned}`, command };
    return { image: pinned ?? (await this.currentImage(stack)), command };
  }

  private async currentImage(stack: string): Promise<string> {
    const cached = this.current.get(stack);
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.ref;
    const ref = (await resolveStackImage(this.docker, this.catalog, stack)).ref;
    this.current.set(stack, { ref, at: Date.now() });
    return ref;
  }

  /**
   * The image a revision recorded, when this node holds it as an image of that same stack: by its
   * content-hash tag while it has one (readable in container records and traces), else by its id.
   */
  private async pinnedImage(stack: string, imageId: string): Promise<string | undefined> {
    const key = `${stack}@${imageId}`;
    const cached = this.pinned.get(key);
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.ref;
    let ref: string | undefined;
    try {
      const image = await this.docker.getImage(imageId).inspect();
      if (image.Config.Labels?.[IMAGE_LABELS.stack] === stack) {
        const repo = `${stackImageRepo(stack)}:`;
        ref = (image.RepoTags ?? []).find((tag) => tag.startsWith(repo) && !tag.endsWith(':latest')) ?? image.Id;
      }
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    }
    this.pinned.set(key, { ref, at: Date.now() });
    return ref;
  }
}
