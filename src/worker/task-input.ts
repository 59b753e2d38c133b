/**
 * The bytes a task container reads on stdin: the stored code archive (a .tar.gz whose entries are
 * already under `task/`), then a second gzip member holding `run/dockhand/payload.json`, `config.json`
 * (when there is one) and `boundary`, the one-time line that separates the log from the result. The
 * entry script runs `tar -x -z -i`: gzip reads concatenated members as one stream, and `-i` skips the
 * first archive's end blocks, so both land in place. No directory entries are sent for `task`, `run`
 * or `run/dockhand`: those are the container's tmpfs mounts and keep their own owner and mode.
 *
 *   const boundary = newResultBoundary();
 *   taskInput({ code: () => store.get(sha), payload: '{"n":1}', boundary }).pipe(containerStdin);
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { createGunzip, gzip } from 'node:zlib';
import tar, { type Header, type Pack } from 'tar-stream';

const gzipAsync = promisify(gzip);

export interface TaskInputOptions {
  /** Opens the stored code archive; absent for image-only packages. */
  code?: () => Promise<Readable>;
  payload: string;
  config?: string;
  boundary: string;
  /** The mtime of the written files; the default is now. */
  now?: Date;
  /**
   * `members` (default): the stored archive as is, then a gzip member of run files, for GNU tar's -i
   * (the stack images). `tar`: one plain tar of both, re-packed, which any tar (busybox's too) reads:
   * for custom images, whose tar Dockhand does not know.
   */
  format?: 'members' | 'tar';
}

/** A fresh boundary per attempt, so a task cannot forge the end of its log. */
export function newResultBoundary(): string {
  return `DOCKHAND-RESULT-${randomBytes(16).toString('hex')}`;
}

export function taskInput(options: TaskInputOptions): Readable {
  return Readable.from(options.format === 'tar' ? plainTarParts(options) : inputParts(options), { objectMode: false });
}

async function* inputParts(options: TaskInputOptions): AsyncGenerator<Buffer> {
  if (options.code !== undefined) {
    const archive = await options.code();
    for await (const bytes of archive) yield Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes as Uint8Array);
  }
  yield await runFilesMember(options);
}

/** The gzip'd tar of run/dockhand/*. Small (capped payload and config), so built in memory. */
export async function runFilesMember(options: TaskInputOptions): Promise<Buffer> {
  const mtime = options.now ?? new Date();
  const files = runFiles(options);
  const pack = tar.pack();
  const collected = collect(pack);
  for (const [name, content] of files) {
    const data = Buffer.from(content, 'utf8');
    await new Promise<void>((resolve, reject) => {
      pack.entry({ name, type: 'file', mode: 0o600, size: data.length, mtime }, data, (err) => (err ? reject(err) : resolve()));
    });
  }
  pack.finalize();
  return gzipAsync(await collected);
}

function runFiles(options: TaskInputOptions): Array<[string, string]> {
  const files: Array<[string, string]> = [['run/dockhand/payload.json', options.payload]];
  if (options.config !== undefined) files.push(['run/dockhand/config.json', options.config]);
  files.push(['run/dockhand/boundary', options.boundary]);
  return files;
}

/** The code's entries re-packed into one uncompressed tar, followed by the run files. */
async function* plainTarParts(options: TaskInputOptions): AsyncGenerator<Buffer> {
  const pack = tar.pack();
  const filling = (async () => {
    if (options.code !== undefined) {
      const extract = tar.extract();
      const source = (await options.code()).pipe(createGunzip());
      source.on('error', (err) => extract.destroy(err));
      source.pipe(extract);
      for await (const entry of extract) {
        const { header } = entry;
        // The mount points themselves keep their tmpfs owner and mode.
        if (header.name === 'task' || header.name === 'task/') {
          entry.resume();
          continue;
        }
        await copyEntry(pack, header, entry);
      }
    }
    const mtime = options.now ?? new Date();
    for (const [name, content] of runFiles(options)) await addEntry(pack, { name, type: 'file', mode: 0o600, mtime }, Buffer.from(content, 'utf8'));
    pack.finalize();
  })();
  filling.catch((err: unknown) => pack.destroy(err as Error));
  for await (const bytes of pack as AsyncIterable<Buffer>) yield bytes;
  await filling;
}

function addEntry(pack: Pack, header: Partial<Header> & Pick<Header, 'name'>, body?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error | null): void => (err ? reject(err) : resolve());
    if (body) pack.entry(header, body, done);
    else pack.entry(header, done);
  });
}

/** A tar-stream entry: its header and its body, as the extractor yields them. */
type TarEntry = AsyncIterable<unknown> & { resume(): unknown };

async function copyEntry(pack: Pack, header: Header, body: TarEntry): Promise<void> {
  if (header.type !== 'file') {
    body.resume();
    return addEntry(pack, header);
  }
  await new Promise<void>((resolve, reject) => {
    const sink = pack.entry(header, (err) => (err ? reject(err) : resolve()));
    void (async () => {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        if (!sink.write(chunk)) await new Promise<void>((drained) => sink.once('drain', () => drained()));
      }
      // streamx's typings want an argument; `null` ends without writing.
      sink.end(null);
    })().catch(reject);
  });
}

async function collect(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const bytes of stream) parts.push(bytes as Buffer);
  return Buffer.concat(parts);
}
