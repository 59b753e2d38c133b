/**
 * Pushing images to the in-swarm registry and waiting for it. Every image goes under the registry's
 * address with its own name and tag (`127.0.0.1:5000/dockhand/stack-node-20:<hash>`), so a node that
 * pulls it can tag it back to the name the rest of Dockhand looks for. Image ids are the digests of
 * their configs, so they are the same on every node that pulled the image.
 *
 *   await waitForRegistry('127.0.0.1:5000', 120_000, log);
 *   await pushImage(docker, 'dockhand/dockhand:065ca2f8add2', '127.0.0.1:5000');
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { DhError } from '../core/errors.ts';
import { splitRef, tagImage } from '../host/docker-images.ts';
import type { ProgressLog } from '../host/progress.ts';
import { consumeJsonLines } from '../stacks/docker-build.ts';

/** The registry's name for a local image reference. */
export function registryRef(registry: string, ref: string): string {
  return `${registry}/${ref}`;
}

export async function pushImage(docker: Docker, ref: string, registry: string): Promise<string> {
  const remote = registryRef(registry, ref);
  await tagImage(docker, ref, remote);
  const { repo, tag } = splitRef(remote);
  let failure: string | undefined;
  try {
    const stream = await docker.getImage(repo).push({ tag });
    await consumeJsonLines<{ error?: string }>(stream, (message) => { if (message.error) failure = message.error; });
  } catch (err) {
    failure = (err as Error).message;
  }
  if (failure !== undefined) {
    throw new DhError('DH_ERR_DOCKER_UNAVAILABLE', `Pushing ${remote} failed: ${failure}`, { image: remote });
  }
  return remote;
}

/** Waits until the registry answers its API root (`/v2/`), e.g. once the routing mesh publishes it. */
export async function waitForRegistry(registry: string, timeoutMs: number, log: ProgressLog): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let said = false;
  for (;;) {
    const answer = await fetch(`http://${registry}/v2/`, { signal: AbortSignal.timeout(3000) }).catch(() => undefined);
    if (answer?.ok) return;
    if (Date.now() > deadline) {
      throw new DhError('DH_ERR_DOCKER_UNAVAILABLE', `The registry at ${registry} did not answer within ${Math.round(timeoutMs / 1000)} s; see \`docker service ps\` of its service.`);
    }
    if (!said) log(`waiting for the registry at ${registry}`);
    said = true;
    await sleep(1000);
  }
}
