import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { newResultBoundary, taskInput } from './task-input.ts';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

interface Entry {
  name: string;
  type: string | null | undefined;
  mode: number | undefined;
  content: string;
}

async function collect(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const bytes of stream) parts.push(bytes as Buffer);
  return Buffer.concat(parts);
}

/** A stored code archive as the code store keeps it: tar.gz with entries under task/. */
async function codeArchive(files: Record<string, string>): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, content] of Object.entries(files)) pack.entry({ name, mode: 0o644 }, content);
  pack.finalize();
  return gzipAsync(await collect(pack));
}

/** Reads every entry of concatenated tar archives; tar-stream skips end blocks as `tar -i` does. */
async function entries(tarBytes: Buffer): Promise<Entry[]> {
  const found: Entry[] = [];
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      collect(stream).then((content) => {
        found.push({ name: header.name, type: header.type, mode: header.mode, content: content.toString() });
        next();
      }, reject);
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  extract.end(tarBytes);
  await done;
  return found;
}

describe('taskInput', () => {
  it('sends the code archive first, then payload, config and boundary in a second gzip member', async () => {
    const archive = await codeArchive({ 'task/main.sh': 'echo hi\n', 'task/lib/a.txt': 'A' });
    const boundary = newResultBoundary();
    const bytes = await collect(
      taskInput({ code: async () => Readable.from([archive.subarray(0, 10), archive.subarray(10)]), payload: '{"n":1}', config: '{"c":2}', boundary }),
    );
    // The code archive passes through byte for byte, and a new gzip member follows.
    expect(bytes.subarray(0, archive.length).equals(archive)).toBe(true);
    expect(bytes.subarray(archive.length, archive.length + 2)).toEqual(Buffer.from([0x1f, 0x8b]));

    const found = await entries(await gunzipAsync(bytes));
    expect(found.map((e) => e.name)).toEqual([
      'task/main.sh',
      'task/lib/a.txt',
      'run/dockhand/payload.json',
      'run/dockhand/config.json',
      'run/dockhand/boundary',
    ]);
    const byName = new Map(found.map((e) => [e.name, e]));
    expect(byName.get('run/dockhand/payload.json')).toMatchObject({ content: '{"n":1}', type: 'file', mode: 0o600 });
    expect(byName.get('run/dockhand/config.json')?.content).toBe('{"c":2}');
    expect(byName.get('run/dockhand/boundary')?.content).toBe(boundary);
  });

  it('sends only the run files when there is no code archive, and no config when none is given', async () => {
    const bytes = await collect(taskInput({ payload: '', boundary: 'B' }));
    const found = await entries(await gunzipAsync(bytes));
    expect(found).toEqual([
      { name: 'run/dockhand/payload.json', type: 'file', mode: 0o600, content: '' },
      { name: 'run/dockhand/boundary', type: 'file', mode: 0o600, content: 'B' },
    ]);
  });

  it('emits no directory entries', async () => {
    const bytes = await collect(taskInput({ payload: 'p', config: 'c', boundary: 'B' }));
    const found = await entries(await gunzipAsync(bytes));
    expect(found.every((e) => e.type === 'file')).toBe(true);
    expect(found.map((e) => e.name)).not.toContain('run/dockhand/');
  });

  it('keeps multi-byte payload text intact', async () => {
    const payload = JSON.stringify({ greeting: 'grüß dich ✓' });
    const found = await entries(await gunzipAsync(await collect(taskInput({ payload, boundary: 'B' }))));
    expect(found[0]?.content).toBe(payload);
  });

  it('fails the stream when the code archive cannot be read', async () => {
    const broken = new Readable({
      read() {
        this.destroy(new Error('code store unreachable'));
      },
    });
    await expect(collect(taskInput({ code: async () => broken, payload: '', boundary: 'B' }))).rejects.toThrow('code store unreachable');
  });

  it('makes a fresh 32-hex-digit boundary each time', () => {
    const a = newResultBoundary();
    expect(a).toMatch(/^DOCKHAND-RESULT-[0-9a-f]{32}$/);
    expect(newResultBoundary()).not.toBe(a);
  });
});
