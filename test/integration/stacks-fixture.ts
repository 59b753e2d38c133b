/**
 * Throwaway stacks for integration tests: a temp copy of dockerfiles/base (so the real, usually
 * already built, base image is reused) plus stacks of a language name unique to the test, and removal
 * of every image those stacks produced.
 *
 *   const fixture = await stackFixture();
 *   await fixture.addStack({ version: '1', dockerfile: 'FROM ${BASE_IMAGE}\n...', files: {...} });
 *   afterEach(() => fixture.cleanup());
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { stringify } from 'yaml';
import { DEFAULT_DOCKERFILES_DIR, loadStackCatalog, type StackCatalog } from '../../src/stacks/catalog.ts';

export interface FixtureStack {
  /** The version part of the stack's name: the stack is `<language>-<version>`. */
  version: string;
  dockerfile: string;
  /** Extra files of the build context. */
  files?: Record<string, string>;
  versionCommand: string;
  smokeSource?: string;
  smokeExpect?: string;
}

export interface StackFixture {
  /** Unique per fixture, so image names never collide with real stacks or other tests. */
  language: string;
  dir: string;
  addStack(stack: FixtureStack): Promise<string>;
  catalog(): Promise<StackCatalog>;
  cleanup(docker: Docker): Promise<void>;
}

export async function stackFixture(): Promise<StackFixture> {
  const language = `t${randomBytes(5).toString('hex')}`;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-stacks-'));
  await mkdir(path.join(dir, 'stacks'));
  await cp(path.join(DEFAULT_DOCKERFILES_DIR, 'base'), path.join(dir, 'dockerfiles', 'base'), { recursive: true });
  return {
    language,
    dir,
    async addStack(stack) {
      const name = `${language}-${stack.version}`;
      const contextDir = path.join(dir, 'dockerfiles', name);
      await mkdir(contextDir, { recursive: true });
      await writeFile(path.join(contextDir, 'Dockerfile'), stack.dockerfile);
      for (const [file, content] of Object.entries(stack.files ?? {})) await writeFile(path.join(contextDir, file), content);
      await writeFile(path.join(dir, 'stacks', `${name}.yaml`), stringify({
        name,
        language,
        base: 'trixie',
        dockerfile: `${name}/Dockerfile`,
        run: 'sh {entry}',
        entry: 'main.sh',
        version_command: stack.versionCommand,
        smoke: { source: stack.smokeSource ?? 'echo fixture ok', expect: stack.smokeExpect ?? 'fixture ok' },
      }));
      return name;
    },
    catalog: () => loadStackCatalog(path.join(dir, 'stacks')),
    async cleanup(docker) {
      const images = await docker.listImages({ filters: JSON.stringify({ reference: [`dockhand/stack-${language}-*`] }) });
      for (const image of images) await docker.getImage(image.Id).remove({ force: true }).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A Dockerfile for a fixture stack: the injected base plus one small file of its own. */
export const COPY_ONE_FILE = 'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nCOPY greeting.txt /opt/greeting.txt\n';
