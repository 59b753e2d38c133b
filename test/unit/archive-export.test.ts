import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
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
