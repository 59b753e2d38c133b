import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { readTarGz } from '../../test/fixtures/archives/read-back.ts';
import { canonicalizeArchive } from '../store/archive/canonicalize.ts';
import { openArchiveFile, openCodeSource, packDirectory, type SkippedEntry } from './pack-directory.ts';

let dir: string;
let code: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dh-pack-'));
  code = path.join(dir, 'code');
  await mkdir(path.join(code, 'src'), { recursive: true });
  await writeFile(path.join(code, 'src', 'app.js'), 'console.log(1)\n');
  await writeFile(path.join(code, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function packedNames(options: Parameters<typeof packDirectory>[1] = {}): Promise<string[]> {
  const entries = await readTarGz(packDirectory(code, options));
  return entries.map((e) => (e.type === 'directory' ? `${e.name.replace(/\/$/, '')}/` : e.name));
}

describe('packDirectory', () => {
  test('packs entries relative to the directory, in sorted order', async () => {
    expect(await packedNames()).toEqual(['./', 'run.sh', 'src/', 'src/app.js']);
  });

  test('honours .dockhandignore (gitignore syntax) and leaves the ignore file itself out', async () => {
    await mkdir(path.join(code, 'node_modules', 'left-pad'), { recursive: true });
    await writeFile(path.join(code, 'node_modules', 'left-pad', 'index.js'), '');
    await writeFile(path.join(code, 'debug.log'), '');
    await writeFile(path.join(code, 'src', 'keep.log'), '');
    await writeFile(path.join(code, '.env'), 'SECRET=1');
    await writeFile(path.join(code, '.dockhandignore'), 'node_modules/\n*.log\n!src/keep.log\n/.env\n');
    const skipped: SkippedEntry[] = [];
    expect(await packedNames({ onSkip: (entry) => skipped.push(entry) })).toEqual(['./', 'run.sh', 'src/', 'src/app.js', 'src/keep.log']);
    expect(skipped.map((s) => `${s.reason}:${s.path}`).sort()).toEqual(['ignored:.env', 'ignored:debug.log', 'ignored:node_modules']);
  });

  test('reads .gitignore when there is no .dockhandignore, and only then', async () => {
    await mkdir(path.join(code, 'dist'), { recursive: true });
    await writeFile(path.join(code, 'dist', 'out.js'), '');
    await writeFile(path.join(code, '.gitignore'), 'dist/\n');
    expect(await packedNames()).toEqual(['./', '.gitignore', 'run.sh', 'src/', 'src/app.js']);
    await writeFile(path.join(code, '.dockhandignore'), '.gitignore\n');
    expect((await packedNames()).sort()).toEqual(['./', 'dist/', 'dist/out.js', 'run.sh', 'src/', 'src/app.js']);
  });

  test('a pattern with a trailing slash ignores directories only', async () => {
    await writeFile(path.join(code, 'build'), 'a file named build');
    await writeFile(path.join(code, '.dockhandignore'), 'build/\n');
    expect(await packedNames()).toContain('build');
  });

  test('always leaves out .git, at any depth', async () => {
    await mkdir(path.join(code, '.git', 'objects'), { recursive: true });
    await writeFile(path.join(code, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    await mkdir(path.join(code, 'vendor', 'lib'), { recursive: true });
    await writeFile(path.join(code, 'vendor', 'lib', '.git'), 'gitdir: ../../.git/modules/lib\n');
    const names = await packedNames();
    expect(names.filter((n) => n.includes('.git'))).toEqual([]);
    expect(names).toContain('vendor/lib/');
  });

  test('skips symlinks instead of following them out of the directory', async () => {
    await writeFile(path.join(dir, 'outside-secret'), 'do not ship');
    await symlink(path.join(dir, 'outside-secret'), path.join(code, 'secret'));
    await symlink('/etc', path.join(code, 'etc'));
    const skipped: SkippedEntry[] = [];
    const names = await packedNames({ onSkip: (entry) => skipped.push(entry) });
    expect(names).not.toContain('secret');
    expect(names).not.toContain('etc/');
    expect(skipped.map((s) => `${s.reason}:${s.path}`).sort()).toEqual(['symlink:etc', 'symlink:secret']);
  });

  test('skips FIFOs rather than failing the pack', async () => {
    execFileSync('mkfifo', [path.join(code, 'pipe')]);
    const skipped: SkippedEntry[] = [];
    expect(await packedNames({ onSkip: (entry) => skipped.push(entry) })).not.toContain('pipe');
    expect(skipped).toEqual([{ path: 'pipe', reason: 'special-file' }]);
  });

  test('produces an archive the server accepts, with the exec bit kept', async () => {
    await symlink('/etc/passwd', path.join(code, 'link'));
    const result = await canonicalizeArchive(packDirectory(code), 'tar.gz', { tmpDir: path.join(dir, 'tmp') });
    const { createReadStream } = await import('node:fs');
    const stored = await readTarGz(createReadStream(result.path));
    expect(stored.map((e) => `${e.name} ${e.mode.toString(8)}`)).toEqual(['task/run.sh 755', 'task/src 755', 'task/src/app.js 644']);
  });

  test('refuses a path that is not a directory', () => {
    expect(() => packDirectory(path.join(code, 'run.sh'))).toThrow(/is not a directory/);
    expect(() => packDirectory(path.join(dir, 'missing'))).toThrow(/is not a directory/);
  });
});

describe('openArchiveFile and openCodeSource', () => {
  test('tells the format by the extension, case-insensitively', async () => {
    for (const [name, format] of [['a.tar.gz', 'tar.gz'], ['b.TGZ', 'tar.gz'], ['c.tar', 'tar'], ['d.zip', 'zip']] as const) {
      await writeFile(path.join(dir, name), 'x');
      const opened = await openArchiveFile(path.join(dir, name));
      expect(opened.format).toBe(format);
      expect(opened.size).toBe(1);
      opened.stream.destroy();
    }
  });

  test('refuses other extensions, listing the accepted ones', async () => {
    await writeFile(path.join(dir, 'code.rar'), 'x');
    await expect(openArchiveFile(path.join(dir, 'code.rar'))).rejects.toMatchObject({ code: 'DH_ERR_VALIDATION', message: expect.stringContaining('.tar.gz, .tgz, .tar, .zip') });
  });

  test('refuses a missing archive file', async () => {
    await expect(openArchiveFile(path.join(dir, 'missing.zip'))).rejects.toMatchObject({ code: 'DH_ERR_VALIDATION' });
  });

  test('packs a directory and opens a file', async () => {
    const packed = await openCodeSource(code);
    expect(packed.format).toBe('tar.gz');
    expect((await readTarGz(packed.stream)).length).toBe(4);
    await writeFile(path.join(dir, 'x.zip'), 'x');
    const opened = await openCodeSource(path.join(dir, 'x.zip'));
    expect(opened.format).toBe('zip');
    opened.stream.destroy();
  });
});
