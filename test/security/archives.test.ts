/**
 * Hostile archives, sent the way an attacker would: through the HTTP upload route (`POST /v1/codes`),
 * not to the archive functions directly. Each case asserts the refusal (status, code, rule), that
 * nothing was stored (no package, no file in the code store, no temp file left), and that an ordinary
 * task queued right after still completes.
 */
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createGzip, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS, MiB } from '../../src/core/limits.ts';
import { GiB, gzipOf } from '../fixtures/archives/bomb-fixtures.ts';
import { tarHeaderBlock, tarOf } from '../fixtures/archives/tar-fixtures.ts';
import { zipOf } from '../fixtures/archives/zip-fixtures.ts';
import { startFleet, type TestFleet } from '../helpers/fleet.ts';
import { expectFleetStillServes, postCodeUpload, uploadOrdinary } from '../helpers/security.ts';

/** Small enough that the oversized-upload case is quick; the other caps keep their defaults. */
const UPLOAD_CAP = 8 * MiB;

let fleet: TestFleet;

beforeAll(async () => {
  fleet = await startFleet({ concurrency: 2, env: { DOCKHAND_ARCHIVE_MAX_BYTES: String(UPLOAD_CAP) } });
  await uploadOrdinary(fleet);
});

afterAll(async () => {
  await fleet?.stop();
});

interface Answer {
  status: number;
  body: { error?: { code: string; message: string; details?: { rule?: string } } };
}

/** Uploads `archive` as a new package over HTTP, the way the SDK does, and returns the answer. */
async function upload(name: string, archive: Buffer | Readable, filename = 'code.tar.gz'): Promise<Answer> {
  const stream = Buffer.isBuffer(archive) ? Readable.from([archive]) : archive;
  const response = await postCodeUpload(fleet, { name, stack: 'shell' }, { stream, filename });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

async function storedFiles(): Promise<string[]> {
  const walk = async (dir: string): Promise<string[]> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : Promise.resolve([path.join(dir, e.name)]))));
    return nested.flat();
  };
  return [...(await walk(path.join(fleet.dataDir, 'code'))), ...(await walk(path.join(fleet.dataDir, 'tmp')))];
}

/** The refusal, then: no package by that name, nothing new on disk, and the fleet still serves. */
async function expectRefused(name: string, archive: Buffer | Readable, want: { status: number; code: string; rule?: string | RegExp }, filename?: string): Promise<Answer> {
  const before = await storedFiles();
  const answer = await upload(name, archive, filename);
  expect(answer.status, JSON.stringify(answer.body)).toBe(want.status);
  expect(answer.body.error?.code).toBe(want.code);
  if (want.rule !== undefined) expect(answer.body.error?.details?.rule).toMatch(want.rule);
  expect(JSON.stringify(answer.body)).not.toMatch(/\n\s+at |"stack"/);
  await expect(fleet.client.codes.get(name)).rejects.toMatchObject({ status: 404 });
  expect(await storedFiles()).toEqual(before);
  await expectFleetStillServes(fleet);
  return answer;
}

const MAIN = { name: 'main.sh', content: 'echo hi\n' };

describe('hostile archives through the upload route are refused before anything is stored', () => {
  it('an entry with ".." climbing out of the code directory', async () => {
    const archive = gzipSync(await tarOf([MAIN, { name: '../../../etc/cron.d/evil', content: '* * * * * root sh -c id\n' }]));
    await expectRefused('dotdot', archive, { status: 400, code: 'DH_ERR_BAD_ARCHIVE' });
  });

  it('an entry with an absolute path', async () => {
    const archive = gzipSync(await tarOf([MAIN, { name: '/etc/passwd', content: 'root::0:0::/:/bin/sh\n' }]));
    await expectRefused('absolute', archive, { status: 400, code: 'DH_ERR_BAD_ARCHIVE' });
  });

  it('a symlink pointing out, followed by a file written through it', async () => {
    const archive = gzipSync(await tarOf([MAIN, { name: 'etc', type: 'symlink', linkname: '/etc' }, { name: 'etc/evil', content: 'x' }]));
    await expectRefused('symlink-out', archive, { status: 400, code: 'DH_ERR_BAD_ARCHIVE' });
  });

  it('a hardlink to a file outside', async () => {
    const archive = gzipSync(await tarOf([MAIN, { name: 'shadow', type: 'link', linkname: '/etc/shadow' }]));
    await expectRefused('hardlink-out', archive, { status: 400, code: 'DH_ERR_BAD_ARCHIVE' });
  });

  it('device nodes and a fifo', async () => {
    for (const [i, entry] of [
      { name: 'mem', type: 'character-device' as const },
      { name: 'sda', type: 'block-device' as const },
      { name: 'pipe', type: 'fifo' as const },
    ].entries()) {
      await expectRefused(`device-${i}`, gzipSync(await tarOf([MAIN, entry])), { status: 400, code: 'DH_ERR_BAD_ARCHIVE' });
    }
  });

  it('a zip slip: a zip entry named with ".."', async () => {
    const archive = zipOf([{ name: 'main.sh', content: 'echo hi\n' }, { name: '../../evil.sh', content: 'id\n' }]);
    await expectRefused('zip-slip', archive, { status: 400, code: 'DH_ERR_BAD_ARCHIVE' }, 'code.zip');
  });

  it('a gzip bomb: one 1 GiB file of zeros in about a megabyte, stopped at the per-file cap', async () => {
    const bomb = gzipOf([tarHeaderBlock({ name: 'zeros.bin', size: GiB }), { zeros: GiB }]);
    expect(bomb.length).toBeLessThan(2 * MiB);
    const answer = await expectRefused('gzip-bomb', bomb, { status: 413, code: 'DH_ERR_ARCHIVE_TOO_LARGE' });
    expect(answer.body.error?.message).toMatch(new RegExp(`${LIMITS.archiveMaxFileBytes / MiB} MiB|${LIMITS.archiveMaxFileBytes}`));
  });

  it('a million entries, generated as they are sent, stopped at the entry cap', async () => {
    let sent = 0;
    async function* millionEntries(): AsyncGenerator<Buffer> {
      for (; sent < 1_000_000; sent++) yield tarHeaderBlock({ name: `f/${sent.toString(36).padStart(6, '0')}`, size: 0 });
    }
    const stream = Readable.from(millionEntries()).pipe(createGzip({ level: 1 }));
    await expectRefused('million', stream, { status: 413, code: 'DH_ERR_ARCHIVE_TOO_LARGE' });
    // The server stopped reading long before the end, and the client stopped generating.
    expect(sent).toBeLessThan(1_000_000);
    expect(sent).toBeGreaterThan(LIMITS.archiveMaxEntries);
  });

  it('an upload larger than DOCKHAND_ARCHIVE_MAX_BYTES', async () => {
    const incompressible = randomBytes(UPLOAD_CAP + MiB);
    const archive = gzipSync(await tarOf([MAIN, { name: 'blob.bin', content: incompressible }]), { level: 0 });
    await expectRefused('too-big', archive, { status: 413, code: 'DH_ERR_ARCHIVE_TOO_LARGE' });
  });

  it('a well-formed archive right after all of them is accepted', async () => {
    const answer = await upload('fine', gzipSync(await tarOf([MAIN])));
    expect(answer.status).toBe(201);
    await expectFleetStillServes(fleet);
  });
});
