/**
 * Docker helpers for integration tests: one dockerode client, the base image built once from
 * dockerfiles/base (FROM the locally imported debian:trixie-slim, so no registry is needed), and
 * cleanup of every container a test labelled.
 *
 *   const image = await ensureBaseImage();                 // 'dockhand-base:test'
 *   const label = testLabel('runner');                     // { key, value, filter }
 *   afterEach(() => removeLabelled(label.filter));
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import Dockerode from 'dockerode';
import tarFs from 'tar-fs';

export const BASE_TEST_IMAGE = 'dockhand-base:test';

const BASE_CONTEXT = fileURLToPath(new URL('../../dockerfiles/base', import.meta.url));

let client: Dockerode | undefined;

export function docker(): Dockerode {
  client ??= new Dockerode();
  return client;
}

/** Builds dockerfiles/base as `dockhand-base:test` unless the image is already there. */
export async function ensureBaseImage(tag: string = BASE_TEST_IMAGE): Promise<string> {
  const d = docker();
  try {
    await d.getImage(tag).inspect();
    return tag;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  }
  // tar-fs's Pack is a Node readable; its typings predate NodeJS.ReadableStream's shape.
  const context = tarFs.pack(BASE_CONTEXT) as unknown as NodeJS.ReadableStream;
  const progress: NodeJS.ReadableStream = await d.buildImage(context, { t: tag, buildargs: { DEBIAN_RELEASE: 'trixie' } });
  const events = await new Promise<Array<{ error?: string; errorDetail?: { message?: string } }>>((resolve, reject) => {
    d.modem.followProgress(progress, (err: Error | null, output: Array<{ error?: string }>) => (err ? reject(err) : resolve(output)));
  });
  const failed = events.find((e) => e.error !== undefined);
  if (failed !== undefined) throw new Error(`Building ${tag} from dockerfiles/base failed: ${failed.error}`);
  await d.getImage(tag).inspect();
  return tag;
}

export interface TestLabel {
  key: string;
  value: string;
  /** `key=value`, the form Docker's label filter takes. */
  filter: string;
}

/** A label unique to one test, to find (and remove) exactly the containers it made. */
export function testLabel(scope: string): TestLabel {
  const key = 'dockhand.test';
  const value = `${scope}-${randomBytes(6).toString('hex')}`;
  return { key, value, filter: `${key}=${value}` };
}

/** A 24-hex task id, unique per call, so container names never collide between tests. */
export function testTaskId(): string {
  return randomBytes(12).toString('hex');
}

export async function listLabelled(filter: string): Promise<Dockerode.ContainerInfo[]> {
  return docker().listContainers({ all: true, filters: { label: [filter] } });
}

export async function removeLabelled(filter: string): Promise<void> {
  for (const c of await listLabelled(filter)) {
    await docker()
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => undefined);
  }
}
