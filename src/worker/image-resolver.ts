/**
 * Which image and command a code revision runs with on this node: the stack's image (built ahead of
 * time, never pulled while a task waits) or the package's own image, and the stack's run command
 * unless the package names one.
 */
import type Docker from 'dockerode';
import { DhError } from '../core/errors.ts';
import type { CodeRevision } from '../core/model.ts';
import type { ContainerRuntime } from '../runtime/port.ts';
import type { StackCatalog } from '../stacks/catalog.ts';
import { resolveStackImage } from '../stacks/images.ts';
import type { ImageResolver } from './execute-task.ts';

/** Stack image lookups are cached briefly: the hot path should not inspect images on every task. */
const CACHE_MS = 10_000;

export class DockerImageResolver implements ImageResolver {
  private readonly cache = new Map<string, { ref: string; at: number }>();

  constructor(private readonly docker: Docker, private readonly catalog: StackCatalog, private readonly runtime: ContainerRuntime) {}

  async resolve(code: CodeRevision): Promise<{ image: string; command: string }> {
    if (code.image) {
      if (!(await this.runtime.imageExists(code.image))) {
        throw new DhError('DH_ERR_IMAGE_NOT_FOUND', `Image ${code.image} is not present on this worker's Docker engine; load it on every worker (docker load / docker build).`);
      }
      if (!code.command) throw new DhError('DH_ERR_VALIDATION', `Code package "${code.name}" runs image ${code.image} but names no command; upload it again with --command.`);
      return { image: code.image, command: code.command };
    }
    const stack = code.stack ?? 'default';
    const cached = this.cache.get(stack);
    let ref: string;
    if (cached && Date.now() - cached.at < CACHE_MS) ref = cached.ref;
    else {
      ref = (await resolveStackImage(this.docker, this.catalog, stack)).ref;
      this.cache.set(stack, { ref, at: Date.now() });
    }
    return { image: ref, command: code.command ?? this.catalog.runCommand(stack) };
  }
}
