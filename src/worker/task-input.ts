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
import { gzip } from 'node:zlib';
import tar from 'tar-stream';

const gzipAsync = promisify(gzip);

export interface TaskInputOptions {
  /** Opens the stored code archive; absent for image-only packages. */
  code?: () => Promise<Readable>;
  payload: string;
  config?: string;
  boundary: string;
  /** The mtime of the written files; the default is now. */
  now?: Date;
}

/** A fresh boundary per attempt, so a task cannot forge the end of its log. */
export function newResultBoundary(): string {
  return `DOCKHAND-RESULT-${randomBytes(16).toString('hex')}`;
}

export function taskInput(options: TaskInputOptions): Readable {
  return Readable.from(inputParts(options), { objectMode: false });
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
  const files: Array<[string, string]> = [['run/dockhand/payload.json', options.payload]];
  if (options.config !== undefined) files.push(['run/dockhand/config.json', options.config]);
  files.push(['run/dockhand/boundary', options.boundary]);

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

async function collect(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const bytes of stream) parts.push(bytes as Buffer);
  return Buffer.concat(parts);
}
