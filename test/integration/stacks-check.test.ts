/**
 * `dockhand stacks check` and `list`: smoke tests through real, locked-down task containers, and the
 * commands' output and exit codes as a user sees them.
 */
import Docker from 'dockerode';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkStack } from '../../src/cli/commands/stacks.ts';
import { ensureStacksBuilt } from '../../src/stacks/build.ts';
import { loadStackCatalog } from '../../src/stacks/catalog.ts';
import { dockhand } from '../helpers/cli.ts';
import { COPY_ONE_FILE, stackFixture, type StackFixture } from './stacks-fixture.ts';

const docker = new Docker();
const REAL_STACKS = ['shell', 'node-20', 'python-3.13'];
let fixture: StackFixture;

beforeAll(async () => {
  await ensureStacksBuilt(docker, await loadStackCatalog(), REAL_STACKS);
});

beforeEach(async () => {
  fixture = await stackFixture();
});

afterEach(async () => {
  await fixture.cleanup(docker);
});

describe('checkStack', () => {
  it('passes the smoke test of every real stack, reporting the version read at build time', async () => {
    const catalog = await loadStackCatalog();
    for (const name of REAL_STACKS) {
      const result = await checkStack(docker, catalog, name);
      expect(result, name).toMatchObject({ stack: name, passed: true });
      expect(result.detail, name).toContain(catalog.get(name).smoke.expect);
      expect(result.version, name).toMatch(/^\d+\.\d+/);
    }
  });

  it('runs the smoke program as the unprivileged user with no network, as tasks run', async () => {
    const name = await fixture.addStack({
      version: '1',
      dockerfile: COPY_ONE_FILE,
      files: { 'greeting.txt': 'hi\n' },
      versionCommand: 'echo 1.0',
      smokeSource: 'echo "uid=$(id -u) root=$(touch /x 2>/dev/null && echo writable || echo read-only) net=$(cat /sys/class/net/*/operstate 2>/dev/null | wc -l)"',
      smokeExpect: 'uid=1000 root=read-only net=1',
    });
    const catalog = await fixture.catalog();
    await ensureStacksBuilt(docker, catalog, [name]);
    const result = await checkStack(docker, catalog, name);
    expect(result.detail).toContain('uid=1000 root=read-only');
    expect(result.passed).toBe(true);
  });

  it('fails with what the program printed when the expected text is missing', async () => {
    const name = await fixture.addStack({ version: '1', dockerfile: COPY_ONE_FILE, files: { 'greeting.txt': 'hi\n' }, versionCommand: 'echo 1.0', smokeSource: 'echo something else', smokeExpect: 'fixture ok' });
    const catalog = await fixture.catalog();
    await ensureStacksBuilt(docker, catalog, [name]);
    const result = await checkStack(docker, catalog, name);
    expect(result.passed).toBe(false);
    expect(result.detail).toContain('something else');
  });

  it('fails a stack that is not built, saying how to build it', async () => {
    const name = await fixture.addStack({ version: '1', dockerfile: COPY_ONE_FILE, files: { 'greeting.txt': 'hi\n' }, versionCommand: 'echo 1.0' });
    const result = await checkStack(docker, await fixture.catalog(), name);
    expect(result.passed).toBe(false);
    expect(result.detail).toContain(`dockhand stacks build ${name}`);
  });
});

describe('the stacks commands', () => {
  it('list --json prints one array with the built stacks, their versions and own sizes', async () => {
    const result = await dockhand(['stacks', 'list', '--json'], {});
    expect(result.code).toBe(0);
    const rows = JSON.parse(result.stdout) as Array<{ name: string; state: string; version: string | null; own_size: number | null; present: boolean }>;
    for (const name of REAL_STACKS) {
      const row = rows.find((r) => r.name === name);
      expect(row, name).toMatchObject({ state: 'built', present: true });
      expect(row?.own_size, name).toBeGreaterThan(0);
    }
    expect(rows.find((r) => r.name === 'node-20')?.version).toMatch(/^20\./);
  });

  it('check exits 0 when the named stacks pass and 1 with one sentence when a stack is unknown', async () => {
    const ok = await dockhand(['stacks', 'check', 'shell', 'python-3.13'], {});
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/shell\s+\S+\s+ok/);
    const unknown = await dockhand(['stacks', 'check', 'cobol-85'], {});
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No stack named "cobol-85"');
  });

  it('build of current stacks reports them cached and exits 0', async () => {
    const result = await dockhand(['stacks', 'build', 'shell'], {});
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/shell\s+\S+\s+\S+ \S+\s+\S+ \S+\s+cached/);
    expect(result.stderr).toContain('up to date');
  });
});
