/**
 * Dependency builds behind a TLS-inspecting proxy (here the npm registry is reachable only through
 * one, whose CA is in the host's bundle): with DOCKHAND_EXTRA_CA_CERTS unset, a server whose
 * NODE_EXTRA_CA_CERTS names a readable PEM file builds through the proxy and says so on the build
 * log's first line; with neither, the build fails on the certificate and the error names the setting.
 * An upload of the same files again reuses the earlier build instead of running it again.
 */
import Docker from 'dockerode';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DockhandApiError } from '../../src/sdk/index.ts';
import { ensureStacksBuilt } from '../../src/stacks/build.ts';
import { loadStackCatalog } from '../../src/stacks/catalog.ts';
import { startFleet, type TestFleet } from '../helpers/fleet.ts';

const HOST_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
let fleet: TestFleet | undefined;

beforeAll(async () => {
  await ensureStacksBuilt(new Docker(), await loadStackCatalog(), ['node-20']);
});

afterEach(async () => {
  await fleet?.stop();
  fleet = undefined;
});

describe('CA certificates of dependency builds', () => {
  it('trusts NODE_EXTRA_CA_CERTS when DOCKHAND_EXTRA_CA_CERTS is unset, and says so first', async () => {
    fleet = await startFleet({ worker: false, env: { DOCKHAND_EXTRA_CA_CERTS: '', NODE_EXTRA_CA_CERTS: HOST_CA_BUNDLE } });
    const lines: string[] = [];
    const revision = await fleet.client.codes.upload('test/fixtures/deps/node-npm', { name: 'npm-node-ca', stack: 'node-20' }, { onBuildLog: (line) => lines.push(line) });
    expect(revision.build?.command).toMatch(/^npm install/);
    expect(lines[0]).toContain(`trusting the CA certificates in ${HOST_CA_BUNDLE} (NODE_EXTRA_CA_CERTS)`);

    // The same files again (as `dockhand dev` uploads on a save that changed nothing): nothing is rebuilt.
    const again: string[] = [];
    const reused = await fleet.client.codes.upload('test/fixtures/deps/node-npm', { name: 'npm-node-ca', stack: 'node-20' }, { onBuildLog: (line) => again.push(line) });
    expect(reused.rev).toBe(revision.rev + 1);
    expect(reused.archive_sha256).toBe(revision.archive_sha256);
    expect(again.join('\n')).toContain(`unchanged since revision ${revision.rev}`);
    expect(again.join('\n')).not.toContain('$ npm install');
  });

  it('names DOCKHAND_EXTRA_CA_CERTS when a build without extra certificates fails on the proxy certificate', async () => {
    fleet = await startFleet({ worker: false, env: { DOCKHAND_EXTRA_CA_CERTS: '', NODE_EXTRA_CA_CERTS: '' } });
    const lines: string[] = [];
    const upload = fleet.client.codes.upload('test/fixtures/deps/node-npm-once', { name: 'npm-no-ca', stack: 'node-20' }, { onBuildLog: (line) => lines.push(line) });
    const err = await upload.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(DockhandApiError);
    expect((err as DockhandApiError).code).toBe('DH_ERR_CODE_BUILD_FAILED');
    expect((err as DockhandApiError).message).toContain('set DOCKHAND_EXTRA_CA_CERTS on the server');
    expect(lines[0]).not.toContain('trusting');
  });
});
