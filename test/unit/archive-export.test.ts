import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { exportArchive } from '../../src/store/archive/export.ts';
import { readTarGz } from '../fixtures/archives/read-back.ts';
import { Scratch } from '../fixtures/archives/harness.ts';
import { tarOf } from '../fixtures/archives/tar-fixtures.ts';

let scratch: Scratch;
beforeEach(async () => {
  scratch = await Scratch.create();
});
afterEach(async () => {
  await scratch.remove();
});

test('exports the stored files without the task/ prefix, contents and modes intact', async () => {
  const longName = `${'deep/'.repeat(30)}file.txt`; // needs a pax record in the stored archive
  const stored = await scratch.canonicalize(
    gzipSync(await tarOf([{ name: 'bin/', type: 'directory' }, { name: 'bin/run', content: '#!/bin/sh\n', mode: 0o755 }, { name: longName, content: 'deep' }])),
  );
  const exported = await readTarGz(exportArchive(createReadStream(stored.path)));
  expect(exported.map((e) => [e.name, e.type, e.mode.toString(8), e.content])).toEqual([
    ['bin', 'directory', '755', ''],
    ['bin/run', 'file', '755', '#!/bin/sh\n'],
    [longName, 'file', '644', 'deep'],
  ]);
});

test('an exported archive uploaded again gives the same sha256', async () => {
  const first = await scratch.canonicalize(gzipSync(await tarOf([{ name: 'a.py', content: 'print(1)' }, { name: 'lib/b.py', content: 'x = 2' }])));
  const second = await scratch.canonicalize(exportArchive(createReadStream(first.path)));
  expect(second.sha256).toBe(first.sha256);
});

test('reports a corrupt stored archive as an error on the returned stream', async () => {
  const broken = exportArchive(Readable.from([Buffer.from('this is not gzip at all')]));
  await expect(readTarGz(broken)).rejects.toThrow();
});

test('exports a zip that canonicalizes back to the same sha256', async () => {
  const first = await scratch.canonicalize(
    gzipSync(await tarOf([{ name: 'lib/', type: 'directory' }, { name: 'lib/run.sh', content: '#!/bin/sh\necho hi\n', mode: 0o755 }, { name: 'README', content: 'x'.repeat(100_000) }])),
  );
  const zipPath = path.join(scratch.dir, 'export.zip');
  await pipeline(exportArchive(createReadStream(first.path), 'zip'), createWriteStream(zipPath));
  const second = await scratch.canonicalize(createReadStream(zipPath), 'zip');
  expect(second.sha256).toBe(first.sha256);
});

test.runIf(existsSync('/usr/bin/unzip'))('exports a zip that Info-ZIP unzip tests clean and extracts with its modes', async () => {
  const stored = await scratch.canonicalize(gzipSync(await tarOf([{ name: 'bin/run', content: '#!/bin/sh\n', mode: 0o755 }, { name: 'data.txt', content: 'data' }])));
  const zipPath = path.join(scratch.dir, 'export.zip');
  await pipeline(exportArchive(createReadStream(stored.path), 'zip'), createWriteStream(zipPath));
  execFileSync('unzip', ['-t', '-q', zipPath]);
  const out = path.join(scratch.dir, 'unzipped');
  await mkdir(out);
  execFileSync('unzip', ['-q', zipPath, '-d', out]);
  expect(await readFile(path.join(out, 'data.txt'), 'utf8')).toBe('data');
  expect((await stat(path.join(out, 'bin/run'))).mode & 0o777).toBe(0o755);
  expect((await stat(path.join(out, 'data.txt'))).mode & 0o777).toBe(0o644);
});

test('reports a corrupt stored archive as an error on the returned zip stream', async () => {
  const broken = exportArchive(Readable.from([Buffer.from('this is not gzip at all')]), 'zip');
  await expect(pipeline(broken, createWriteStream(path.join(scratch.dir, 'broken.zip')))).rejects.toThrow();
});
