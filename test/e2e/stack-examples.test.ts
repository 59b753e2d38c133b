/**
 * The whole catalogue through one fleet: every stack's example (examples/hello-<stack> or
 * examples/hello-<language>) is uploaded on that stack, run as a task, and prints the language version
 * the stack's image was labelled with when it was built; the two versions of each side-by-side
 * language run in the same fleet and report different versions.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureStacksBuilt } from '../../src/stacks/build.ts';
import { loadStackCatalog, type StackCatalog } from '../../src/stacks/catalog.ts';
import { promisedVersion } from '../../src/stacks/definition.ts';
import { resolveStackImage } from '../../src/stacks/images.ts';
import { REPO_ROOT } from '../helpers/cli.ts';
import { startFleet, type TestFleet } from '../helpers/fleet.ts';

const docker = new Docker();
let catalog: StackCatalog;
let fleet: TestFleet;
/** Per stack: the version its image was labelled with, and what its example printed. */
const runs = new Map<string, { version: string; status: string; log: string; result: unknown }>();

/** The example of a stack: examples/hello-<stack name>, else examples/hello-<language>. */
function exampleFor(name: string): string | undefined {
  const candidates = [`hello-${name}`, `hello-${catalog.get(name).language}`].map((dir) => path.join(REPO_ROOT, 'examples', dir));
  return candidates.find((dir) => existsSync(dir));
}

beforeAll(async () => {
  catalog = await loadStackCatalog();
  // Provisioning (npm test) has built the catalogue; on a bare engine this is the cold build.
  await ensureStacksBuilt(docker, catalog, catalog.names(), { parallel: 3 });
  fleet = await startFleet({ concurrency: 4 });
  // Uploads first (Go examples are compiled at upload), then every task at once.
  const names = catalog.names();
  await Promise.all(names.map(async (name) => {
    const dir = exampleFor(name);
    if (dir) await fleet.client.codes.upload(dir, { name: `hello-${name}`, stack: name, timeout: 120 });
  }));
  await Promise.all(names.filter((name) => exampleFor(name)).map(async (name) => {
    const version = (await resolveStackImage(docker, catalog, name)).version ?? '';
    const task = await fleet.client.tasks.queue(`hello-${name}`, { payload: { name } });
    const done = await fleet.client.tasks.wait(task.id, { timeoutMs: 240_000 });
    runs.set(name, { version, status: done.status, log: await fleet.client.tasks.log(task.id), result: done.result });
  }));
}, 900_000);

afterAll(async () => {
  await fleet?.stop();
});

describe('the stack catalogue', () => {
  it('has at least 12 stacks: shell, default, media and seven languages, each with an example', () => {
    expect(catalog.names().length).toBeGreaterThanOrEqual(12);
    expect(catalog.names()).toEqual(expect.arrayContaining(['shell', 'default', 'media']));
    const languages = new Set(catalog.list().map((def) => def.language));
    for (const language of ['node', 'python', 'ruby', 'php', 'java', 'go', 'perl']) expect(languages, language).toContain(language);
    for (const name of catalog.names()) expect(exampleFor(name), name).toBeDefined();
  });

  it('runs every stack\'s example through the fleet, printing the version read from its image', () => {
    for (const name of catalog.names()) {
      const run = runs.get(name);
      expect(run, name).toBeDefined();
      expect(run!.status, `${name}: ${run!.log}`).toBe('complete');
      expect(run!.log, name).toContain(`Hello, ${name}!`);
      expect(run!.version, name).toMatch(/^\d+\.\d+/);
      expect(run!.log, name).toContain(run!.version);
      expect(run!.result, name).toMatchObject({ greeting: `Hello, ${name}!` });
    }
  });

  it('runs two versions of at least three languages side by side, each reporting its own version', () => {
    const byLanguage = new Map<string, string[]>();
    for (const def of catalog.list()) {
      if (promisedVersion(def) !== undefined) byLanguage.set(def.language, [...(byLanguage.get(def.language) ?? []), def.name]);
    }
    const sideBySide = [...byLanguage.entries()].filter(([, names]) => names.length >= 2);
    expect(sideBySide.length).toBeGreaterThanOrEqual(3);
    for (const [language, names] of sideBySide) {
      const versions = names.map((name) => runs.get(name)!.version);
      expect(new Set(versions).size, `${language}: ${versions.join(' vs ')}`).toBe(names.length);
      // Each example printed its own version, and not the other one's.
      for (const [i, name] of names.entries()) {
        for (const [j, other] of versions.entries()) {
          if (i !== j) expect(runs.get(name)!.log, `${name} vs ${names[j]}`).not.toContain(other);
        }
      }
    }
  });

  it('compiled the Go examples at upload, against the stack image the revisions record', async () => {
    for (const name of catalog.names().filter((n) => catalog.get(n).language === 'go')) {
      const revision = await fleet.client.codes.get(`hello-${name}`);
      expect(revision.build?.command, name).toBe('go build -o app .');
      expect(revision.image_id, name).toBe((await resolveStackImage(docker, catalog, name)).id);
    }
  });
});
