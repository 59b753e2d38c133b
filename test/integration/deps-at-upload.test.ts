/**
 * Packages with dependencies are built once, at upload, in a build container of their stack, and run
 * through the fleet with their dependencies in place and no network: a node package with a real npm
 * dependency (through the TLS proxy, whose CA the build is given), a python package with a local
 * wheel, a Go module compiled at upload. A failing build fails the upload with its log and leaves the
 * previous revision current. Ruby (a vendored gem), PHP (a composer path repository) and Java (the jar
 * layout, compiled at upload) are built the same way.
 */
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockhandApiError } from '../../src/sdk/index.ts';
import { ensureStacksBuilt } from '../../src/stacks/build.ts';
import { loadStackCatalog } from '../../src/stacks/catalog.ts';
import { resolveStackImage } from '../../src/stacks/images.ts';
import { dockhand } from '../helpers/cli.ts';
import { startFleet, type TestFleet } from '../helpers/fleet.ts';

const docker = new Docker();
const STACKS = ['node-20', 'python-3.13', 'go-1.24', 'ruby-3.3', 'php-8.4', 'java-21'];
/** Here the npm registry is reachable only through a TLS proxy whose CA is in the host's bundle. */
const HOST_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
let fleet: TestFleet;

beforeAll(async () => {
  await ensureStacksBuilt(docker, await loadStackCatalog(), STACKS);
  fleet = await startFleet({ env: { DOCKHAND_EXTRA_CA_CERTS: HOST_CA_BUNDLE } });
});

afterAll(async () => {
  await fleet?.stop();
});

async function runOnce(codeName: string): Promise<{ status: string; log: string; msg?: string }> {
  const task = await fleet.client.tasks.queue(codeName, {});
  const done = await fleet.client.tasks.wait(task.id, { timeoutMs: 120_000 });
  return { status: done.status, log: await fleet.client.tasks.log(task.id), ...(done.msg ? { msg: done.msg } : {}) };
}

describe('dependencies built at upload', () => {
  it('installs a real npm dependency through the proxy, streams the build log, and the task runs offline', async () => {
    const lines: string[] = [];
    const revision = await fleet.client.codes.upload('test/fixtures/deps/node-npm', { name: 'npm-dep', stack: 'node-20' }, { onBuildLog: (line) => lines.push(line) });
    expect(revision.build?.command).toMatch(/^npm install/);
    expect(revision.build?.source_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(revision.archive_sha256).not.toBe(revision.build?.source_sha256);
    expect(revision.file_count).toBeGreaterThan(2);
    expect(revision.image_id).toBe((await resolveStackImage(docker, fleet.ctx.catalog, 'node-20')).id);
    expect(lines.join('\n')).toContain('$ npm install --omit=dev');
    expect(lines.join('\n')).toContain('trusting the extra CA certificates');

    const run = await runOnce('npm-dep');
    expect(run.status).toBe('complete');
    expect(run.log).toContain('two hours is 7200000 ms');
  });

  it('installs a python package from a local wheel shipped with the code', async () => {
    const revision = await fleet.client.codes.upload('test/fixtures/deps/python-wheel', { name: 'wheel-dep', stack: 'python-3.13' });
    expect(revision.build?.command).toContain('pip install');
    const run = await runOnce('wheel-dep');
    expect(run.status).toBe('complete');
    expect(run.log).toContain('Hello from a local wheel, Dockhand!');
    expect(run.log).toMatch(/python 3\.13\./);
  });

  it('compiles a Go module at upload; tasks run the binary', async () => {
    const revision = await fleet.client.codes.upload('test/fixtures/deps/go-module', { name: 'go-mod', stack: 'go-1.24' });
    expect(revision.build?.command).toBe('go build -o app .');
    const run = await runOnce('go-mod');
    expect(run.status).toBe('complete');
    expect(run.log).toContain('Hello from a compiled module, Dockhand!');
    expect(run.log).toMatch(/go go1\.24\./);
  });

  it('installs a vendored gem with bundler, offline', async () => {
    const revision = await fleet.client.codes.upload('test/fixtures/deps/ruby-gem', { name: 'gem-dep', stack: 'ruby-3.3' });
    expect(revision.build?.command).toContain('bundle install --local');
    const run = await runOnce('gem-dep');
    expect(run.status).toBe('complete');
    expect(run.log).toContain('Hello from a vendored gem, Dockhand!');
  });

  it('installs a composer package from a path repository', async () => {
    const revision = await fleet.client.codes.upload('test/fixtures/deps/php-composer', { name: 'composer-dep', stack: 'php-8.4' });
    expect(revision.build?.command).toMatch(/^composer install/);
    const run = await runOnce('composer-dep');
    expect(run.status).toBe('complete');
    expect(run.log).toContain('Hello from a composer package, Dockhand!');
  });

  it('compiles the java jar layout (src/ against lib/*.jar) at upload', async () => {
    const revision = await fleet.client.codes.upload('test/fixtures/deps/java-jar', { name: 'jar-dep', stack: 'java-21', command: 'java -cp "classes:lib/*" com.example.Main' });
    expect(revision.build?.command).toContain('javac -d classes');
    const run = await runOnce('jar-dep');
    expect(run.status).toBe('complete');
    expect(run.log).toContain('Hello from a jar, Dockhand!');
    expect(run.log).toMatch(/java 21\./);
  });

  it('downloads the package as uploaded, not as built', async () => {
    const revision = await fleet.client.codes.get('npm-dep');
    const archive = await fleet.client.codes.download('npm-dep');
    expect(revision.build).toBeDefined();
    // The built package holds node_modules; the download is the two uploaded files, a few hundred bytes.
    expect(archive.length).toBeLessThan(2048);
  });

  it('fails the upload with the build log when the build fails, and keeps the previous revision current', async () => {
    const good = await fleet.client.codes.upload('test/fixtures/deps/node-npm', { name: 'flaky-deps', stack: 'node-20' });
    const failure = await fleet.client.codes.upload('test/fixtures/deps/node-broken', { name: 'flaky-deps', stack: 'node-20' }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(DockhandApiError);
    expect(failure).toMatchObject({ code: 'DH_ERR_CODE_BUILD_FAILED', status: 400 });
    expect((failure as Error).message).toContain('dockhand-no-such-package-7f3a9c');
    expect((failure as Error).message).toContain('The end of the build log');
    const current = await fleet.client.codes.get('flaky-deps');
    expect(current.rev).toBe(good.rev);
    expect(current.archive_sha256).toBe(good.archive_sha256);
    const builders = await docker.listContainers({ all: true, filters: { label: ['dockhand.purpose=package-build', 'dockhand.code=flaky-deps'] } });
    expect(builders).toEqual([]);
  });

  it('shows the build log in the CLI and exits 1 with the log tail when the build fails', async () => {
    const ok = await dockhand(['code', 'upload', 'test/fixtures/deps/python-wheel', '--name', 'cli-wheel', '--stack', 'python-3.13'], fleet.env);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toContain('  | $ python3 -m pip install');
    expect(ok.stderr).toMatch(/Uploaded cli-wheel revision 1 .*built with/);
    const failed = await dockhand(['code', 'upload', 'test/fixtures/deps/node-broken', '--name', 'cli-broken', '--stack', 'node-20'], fleet.env);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('dockhand-no-such-package-7f3a9c');
    expect(failed.stderr).toContain('The end of the build log');
  });
});
