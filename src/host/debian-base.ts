/**
 * Makes sure `debian:<release>-slim` (the FROM of Dockhand's base image) exists on the engine, even with
 * no registry in reach: if pulling fails, it builds a minimal Debian root with debootstrap from the
 * Debian mirror, slims it the way Debian's own slim images are, and imports it as the image. This is
 * what lets an air-gapped fleet build every image offline (given a reachable Debian mirror).
 *
 *   await ensureDebianBase(docker, 'trixie', { log });          // -> { ref: 'debian:trixie-slim', ... }
 *   await ensureDebianBase(docker, 'trixie', { log, tag: 'test/debian:x', tryPull: false });
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { DhError } from '../core/errors.ts';
import type { ProgressLog } from './progress.ts';
import { findImage, splitRef, tagImage } from './docker-images.ts';
import { findExecutable, runStreaming } from './run-command.ts';

export const DEFAULT_DEBIAN_MIRROR = 'http://deb.debian.org/debian';

export interface EnsureDebianBaseOptions {
  log: ProgressLog;
  /** The image reference to produce; default `debian:<release>-slim`. */
  tag?: string;
  /** Try the registry first (default true). Tests turn it off to exercise the offline path. */
  tryPull?: boolean;
  pullTimeoutMs?: number;
  /** Debian mirror for debootstrap; default DOCKHAND_DEBIAN_MIRROR or deb.debian.org. */
  mirror?: string;
}

export interface DebianBase {
  ref: string;
  id: string;
  size: number;
  source: 'present' | 'pulled' | 'debootstrap';
}

const RELEASE_NAME = /^[a-z]+$/;

export async function ensureDebianBase(docker: Docker, release: string, options: EnsureDebianBaseOptions): Promise<DebianBase> {
  if (!RELEASE_NAME.test(release)) {
    throw new DhError('DH_ERR_CONFIG', `"${release}" is not a Debian release name (like trixie or bookworm).`);
  }
  const ref = options.tag ?? `debian:${release}-slim`;
  const present = await findImage(docker, ref);
  if (present) return { ref, id: present.Id, size: present.Size, source: 'present' };

  if (options.tryPull ?? true) {
    const pulled = await tryPull(docker, `debian:${release}-slim`, options.pullTimeoutMs ?? 20_000, options.log);
    if (pulled) {
      if (ref !== `debian:${release}-slim`) await tagImage(docker, `debian:${release}-slim`, ref);
      const pulled = (await findImage(docker, ref))!;
      return { ref, id: pulled.Id, size: pulled.Size, source: 'pulled' };
    }
  }

  const mirror = options.mirror ?? (process.env.DOCKHAND_DEBIAN_MIRROR || DEFAULT_DEBIAN_MIRROR);
  const imported = await debootstrapImport(docker, release, ref, mirror, options.log);
  return { ref, id: imported.Id, size: imported.Size, source: 'debootstrap' };
}

async function tryPull(docker: Docker, ref: string, timeoutMs: number, log: ProgressLog): Promise<boolean> {
  log(`pulling ${ref}`);
  try {
    const stream = await docker.pull(ref, { abortSignal: AbortSignal.timeout(timeoutMs) });
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve()));
    });
    return true;
  } catch (err) {
    log(`could not pull ${ref} (${firstLine((err as Error).message)}); building it from Debian packages instead`);
    return false;
  }
}

/** Builds a Debian root with debootstrap, slims it and imports it as `ref`; returns the image id. */
async function debootstrapImport(docker: Docker, release: string, ref: string, mirror: string, log: ProgressLog): Promise<Docker.ImageInspectInfo> {
  const debootstrap = findExecutable('debootstrap');
  if (!debootstrap) {
    throw new DhError('DH_ERR_CONFIG', `${ref} is not on this engine and cannot be pulled; install debootstrap (\`apt-get install -y debootstrap\`) so Dockhand can build it from Debian packages.`);
  }
  if (process.getuid?.() !== 0) {
    throw new DhError('DH_ERR_CONFIG', `${ref} is not on this engine and cannot be pulled; building it with debootstrap needs root, so run this once as root (or load the image with \`docker load\`).`);
  }
  const root = await mkdtemp(path.join(os.tmpdir(), `dockhand-debootstrap-${release}-`));
  try {
    log(`debootstrap --variant=minbase ${release} from ${mirror}`);
    const started = Date.now();
    const run = await runStreaming(debootstrap, ['--variant=minbase', release, root, mirror], {
      onLine: (line) => { if (isPhaseLine(line)) log(`  ${line}`); },
    });
    if (run.code !== 0) {
      throw new DhError('DH_ERR_CONFIG', `debootstrap of ${release} from ${mirror} failed (exit ${run.code}); check the release name and that the mirror is reachable (DOCKHAND_DEBIAN_MIRROR). Last lines:\n${run.tail.slice(-10).join('\n')}`);
    }
    await slimDebianRoot(root);
    log(`importing the ${release} root as ${ref}`);
    const image = await importRoot(docker, root, ref);
    log(`built ${ref} from Debian packages in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return image;
  } finally {
    await removeRoot(root);
  }
}

/**
 * What Debian's slim images leave out: documentation, man pages, locales, package caches and lists
 * (apt-get update fetches fresh lists anyway). The dpkg rules keep later installs slim too.
 */
async function slimDebianRoot(root: string): Promise<void> {
  await writeFile(path.join(root, 'etc/dpkg/dpkg.cfg.d/docker-slim'), [
    'path-exclude /usr/share/doc/*',
    'path-include /usr/share/doc/*/copyright',
    'path-exclude /usr/share/groff/*',
    'path-exclude /usr/share/info/*',
    'path-exclude /usr/share/linda/*',
    'path-exclude /usr/share/lintian/overrides/*',
    'path-exclude /usr/share/locale/*',
    'path-exclude /usr/share/man/*',
    '',
  ].join('\n'));
  // apt keeps no downloaded packages in an image layer.
  await writeFile(path.join(root, 'etc/apt/apt.conf.d/docker-clean'), [
    'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };',
    'APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };',
    'Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";',
    '',
  ].join('\n'));
  const script = [
    'set -e',
    'cd "$1"',
    'find usr/share/doc -mindepth 1 ! -name copyright ! -type d -delete',
    'find usr/share/doc -mindepth 1 -type d -empty -delete',
    'rm -rf usr/share/man/* usr/share/info/* usr/share/locale/* usr/share/groff/* usr/share/lintian/*',
    'rm -rf var/cache/apt/archives/*.deb var/cache/apt/*.bin var/lib/apt/lists/*',
    'rm -rf var/log/* tmp/* var/tmp/*',
    'mkdir -p var/lib/apt/lists/partial',
  ].join('\n');
  const result = await runStreaming('sh', ['-c', script, 'slim', root]);
  if (result.code !== 0) throw new DhError('DH_ERR_INTERNAL', `Slimming the Debian root failed: ${result.tail.join(' ')}`);
}

/** Streams the root as a tar (like `tar -C root -c . | docker import -`) into the engine. */
async function importRoot(docker: Docker, root: string, ref: string): Promise<Docker.ImageInspectInfo> {
  const { repo, tag } = splitRef(ref);
  // GNU tar keeps device nodes, hard links, ownership and modes exactly, which a root file system needs.
  const tar = spawn('tar', ['--numeric-owner', '--xattrs', '-C', root, '-c', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let tarError = '';
  tar.stderr.on('data', (chunk: Buffer) => { tarError += chunk.toString(); });
  const tarExit = new Promise<number>((resolve) => tar.once('close', (code) => resolve(code ?? 1)));
  const response = (await docker.importImage(tar.stdout, { repo, tag, changes: ['CMD ["bash"]'] }));
  const events = await new Promise<Array<{ status?: string; error?: string }>>((resolve, reject) => {
    docker.modem.followProgress(response, (err: Error | null, output: Array<{ status?: string; error?: string }>) => (err ? reject(err) : resolve(output)));
  });
  const code = await tarExit;
  if (code !== 0) throw new DhError('DH_ERR_INTERNAL', `tar of the Debian root failed (exit ${code}): ${tarError.trim()}`);
  const failure = events.find((event) => event.error);
  if (failure) throw new DhError('DH_ERR_DOCKER_UNAVAILABLE', `The Docker engine refused to import ${ref}: ${failure.error}`);
  const image = await findImage(docker, ref);
  if (!image) throw new DhError('DH_ERR_INTERNAL', `The import of ${ref} finished but the image is not on the engine.`);
  return image;
}

/** debootstrap mounts /proc and /sys inside the root and may leave them behind when it fails. */
async function removeRoot(root: string): Promise<void> {
  const mounts = (await readFile('/proc/mounts', 'utf8').catch(() => ''))
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((mountPoint) => mountPoint === root || mountPoint.startsWith(`${root}/`))
    .sort((a, b) => b.length - a.length);
  for (const mountPoint of mounts) await runStreaming('umount', ['-l', mountPoint]);
  await rm(root, { recursive: true, force: true });
}

/**
 * debootstrap's I: lines name each phase, W: and E: lines matter; the hundreds of per-package lines
 * ("I: Retrieving libc6 2.41-12") would drown them, so they are left out.
 */
export function isPhaseLine(line: string): boolean {
  if (/^[WE]: /.test(line)) return true;
  if (!line.startsWith('I: ')) return false;
  const perPackage = /^I: (Retrieving|Validating) \S+ \S+\s*$/.test(line) || /^I: (Extracting|Unpacking|Configuring) \S+\.\.\.$/.test(line);
  return !perPackage;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
