/**
 * The offline Debian base: with no registry, `debian:<release>-slim` is built from Debian packages with
 * debootstrap and imported into the engine. Imported here under a tag unique to the test, then run.
 * Needs root (debootstrap) and a reachable Debian mirror, as provisioning does.
 */
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import os from 'node:os';
import Docker from 'dockerode';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureDebianBase } from '../../src/host/debian-base.ts';

const docker = new Docker();
const isRoot = process.getuid?.() === 0;
let tag: string | undefined;

afterEach(async () => {
  if (tag) await docker.getImage(tag).remove({ force: true }).catch(() => {});
  tag = undefined;
});

async function run(image: string, command: string[]): Promise<string> {
  const container = await docker.createContainer({ Image: image, Cmd: command, Tty: true, HostConfig: { NetworkMode: 'none' } });
  try {
    await container.start();
    await container.wait();
    const chunks: Buffer[] = [];
    for await (const chunk of (await container.logs({ stdout: true, stderr: true, follow: true })) as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    await container.remove({ force: true });
  }
}

async function debootstrapDirs(): Promise<string[]> {
  return (await readdir(os.tmpdir())).filter((name) => name.startsWith('dockhand-debootstrap-'));
}

describe('ensureDebianBase', () => {
  it.runIf(isRoot)('builds and imports a slim Debian image from packages when it cannot pull', async () => {
    tag = `dockhand-test/debian-${randomBytes(4).toString('hex')}:trixie-slim`;
    const leftoversBefore = await debootstrapDirs();
    const lines: string[] = [];
    const base = await ensureDebianBase(docker, 'trixie', { log: (line) => lines.push(line), tag, tryPull: false });

    expect(base).toMatchObject({ ref: tag, source: 'debootstrap' });
    expect(lines.some((line) => line.includes('I: Base system installed successfully.'))).toBe(true);
    expect(lines.some((line) => /I: (Retrieving|Validating) \S+ \S+$/.test(line.trim()))).toBe(false);
    expect(await run(tag, ['cat', '/etc/debian_version'])).toMatch(/^13\.\d+/);
    // Slimmed like Debian's own slim images: no package lists, caches, manuals or locales.
    expect((await run(tag, ['sh', '-c', 'find /var/lib/apt/lists /var/cache/apt/archives /usr/share/man /usr/share/locale -mindepth 1 ! -name partial ! -name lock | wc -l'])).trim()).toBe('0');
    expect(base.size).toBeLessThan(120 * 1024 * 1024);
    expect(await debootstrapDirs()).toEqual(leftoversBefore);

    // Present now, so a second call does nothing.
    expect(await ensureDebianBase(docker, 'trixie', { log: () => {}, tag, tryPull: false })).toMatchObject({ id: base.id, source: 'present' });
  }, 600_000);

  it('refuses a release name that is not one', async () => {
    await expect(ensureDebianBase(docker, 'trixie; rm -rf /', { log: () => {} })).rejects.toMatchObject({ code: 'DH_ERR_CONFIG' });
  });
});
