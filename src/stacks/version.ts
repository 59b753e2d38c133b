/**
 * Reads a stack's language version from its built image by running the definition's version_command
 * in a throwaway container (no network, the image's own unprivileged user), so the version Dockhand
 * reports is what the image really has, never a number typed by hand. The stack's name is a promise
 * (`node-20` must hold Node 20.x), and a build that breaks it fails.
 *
 *   const version = await readImageVersion(docker, imageId, catalog.get('node-20')); // '20.19.2'
 */
import type Docker from 'dockerode';
import { DhError } from '../core/errors.ts';
import { promisedVersion, type StackDefinition } from './definition.ts';

const VERSION_IN_OUTPUT = /\d+(?:\.\d+)+/;
const TIMEOUT_MS = 30_000;

/** Pure: the first dotted version number in a command's output (`v20.19.2` -> `20.19.2`). */
export function extractVersion(output: string): string | undefined {
  return VERSION_IN_OUTPUT.exec(output)?.[0];
}

/** Pure: whether `version` keeps the promise of a name's version (`20` is kept by `20.19.2`). */
export function keepsPromise(promised: string | undefined, version: string): boolean {
  return promised === undefined || version === promised || version.startsWith(`${promised}.`);
}

export async function readImageVersion(docker: Docker, image: string, definition: StackDefinition): Promise<string> {
  const output = await runInImage(docker, image, definition.version_command);
  const version = extractVersion(output);
  if (version === undefined) {
    throw new DhError('DH_ERR_STACK_BUILD_FAILED', `Stack ${definition.name}: its version_command \`${definition.version_command}\` printed no version number (output: ${JSON.stringify(output.trim().slice(0, 200))}).`, { stack: definition.name, image });
  }
  const promised = promisedVersion(definition);
  if (!keepsPromise(promised, version)) {
    throw new DhError('DH_ERR_STACK_BUILD_FAILED', `Stack ${definition.name} promises ${definition.language} ${promised}, but the image holds ${version}; fix the Dockerfile ${definition.dockerfile} or the stack's name.`, { stack: definition.name, image, version });
  }
  return version;
}

/** Runs a shell line in `image` with the entry script bypassed; returns stdout and stderr together. */
async function runInImage(docker: Docker, image: string, command: string): Promise<string> {
  const container = await docker.createContainer({
    Image: image,
    Entrypoint: ['/bin/sh', '-c'],
    Cmd: [command],
    Tty: true, // one raw stream, no multiplexing to undo
    NetworkDisabled: true,
    Labels: { 'dockhand.purpose': 'version-check' },
    HostConfig: { NetworkMode: 'none', CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'], Memory: 256 * 1024 * 1024 },
  });
  try {
    await container.start();
    const exit = (await Promise.race([
      container.wait(),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no exit within ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS).unref()),
    ])) as { StatusCode: number };
    // As a stream: the buffered form is parsed as JSON by the client, which turns "1.0" into a number.
    const logs = await container.logs({ stdout: true, stderr: true, follow: true });
    const chunks: Buffer[] = [];
    for await (const chunk of logs as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
    const output = Buffer.concat(chunks).toString('utf8');
    if (exit.StatusCode !== 0) {
      throw new DhError('DH_ERR_STACK_BUILD_FAILED', `\`${command}\` exited with ${exit.StatusCode} in image ${image}: ${output.trim().slice(0, 300)}`, { image });
    }
    return output;
  } finally {
    await container.remove({ force: true }).catch(() => {});
  }
}
