/**
 * A streaming zip writer, for handing code back to clients that speak zip (IronWorker's
 * `GET /codes/{id}/download`). Entries are deflated as they stream, so sizes and CRC-32 follow each
 * entry in a data descriptor; Unix modes go in the external attributes (made by Unix), names are
 * flagged as UTF-8. No zip64: Dockhand's archive caps keep every size and offset far below 4 GiB,
 * and going past the classic limits is refused rather than written wrong.
 *
 *   const zip = new ZipWriter();
 *   zip.output.pipe(response);
 *   await zip.addFile('run.sh', 0o755, body);
 *   await zip.finish();
 */
import { PassThrough, Readable, pipeline } from 'node:stream';
import { createDeflateRaw, crc32 } from 'node:zlib';

const LOCAL_HEADER = 0x04034b50;
const DATA_DESCRIPTOR = 0x08074b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const FLAG_DATA_DESCRIPTOR = 0x0008;
const FLAG_UTF8 = 0x0800;
const VERSION_NEEDED = 20;
const MADE_BY_UNIX = (3 << 8) | 20;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const MAX_CLASSIC = 0xffffffff;
const MAX_ENTRIES = 0xffff;

export class ZipWriter {
  readonly output = new PassThrough();
  private offset = 0;
  private readonly central: Buffer[] = [];
  private entries = 0;

  /** `mtime` is written as a DOS date, which cannot go below 1980. */
  constructor(private readonly mtime: Date = new Date()) {}

  async addDirectory(name: string, mode: number): Promise<void> {
    const entryName = name.endsWith('/') ? name : `${name}/`;
    await this.addEntry(entryName, S_IFDIR | (mode & 0o7777), 0, async () => ({ crc: 0, compressed: 0, size: 0 }));
  }

  async addFile(name: string, mode: number, body: AsyncIterable<unknown>): Promise<void> {
    await this.addEntry(name, S_IFREG | (mode & 0o7777), 8, async () => {
      let crc = 0;
      let size = 0;
      async function* measured(): AsyncGenerator<Buffer> {
        for await (const item of body) {
          const chunk = Buffer.isBuffer(item) ? item : Buffer.from(item as Uint8Array);
          crc = crc32(chunk, crc);
          size += chunk.length;
          yield chunk;
        }
      }
      let compressed = 0;
      const deflated = pipeline(Readable.from(measured()), createDeflateRaw(), () => undefined);
      for await (const chunk of deflated) {
        compressed += (chunk as Buffer).length;
        await this.write(chunk as Buffer);
      }
      return { crc: crc >>> 0, compressed, size };
    });
  }

  /** Writes the central directory and ends `output`. */
  async finish(): Promise<void> {
    const directory = Buffer.concat(this.central);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(END_OF_CENTRAL_DIRECTORY, 0);
    end.writeUInt16LE(this.entries, 8);
    end.writeUInt16LE(this.entries, 10);
    end.writeUInt32LE(directory.length, 12);
    end.writeUInt32LE(this.checked(this.offset, 'archive'), 16);
    await this.write(directory);
    await this.write(end);
    this.output.end();
  }

  private async addEntry(name: string, unixMode: number, method: number, writeBody: () => Promise<{ crc: number; compressed: number; size: number }>): Promise<void> {
    if (++this.entries > MAX_ENTRIES) throw new RangeError(`a zip without zip64 holds at most ${MAX_ENTRIES} entries`);
    const nameBytes = Buffer.from(name, 'utf8');
    const { date, time } = dosDateTime(this.mtime);
    const flags = FLAG_UTF8 | (method === 8 ? FLAG_DATA_DESCRIPTOR : 0);
    const headerOffset = this.checked(this.offset, 'archive');

    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL_HEADER, 0);
    local.writeUInt16LE(VERSION_NEEDED, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    // CRC and sizes stay 0 here: they follow the data in the descriptor (or are 0 for a directory).
    local.writeUInt16LE(nameBytes.length, 26);
    await this.write(Buffer.concat([local, nameBytes]));

    const { crc, compressed, size } = await writeBody();
    if (method === 8) {
      const descriptor = Buffer.alloc(16);
      descriptor.writeUInt32LE(DATA_DESCRIPTOR, 0);
      descriptor.writeUInt32LE(crc, 4);
      descriptor.writeUInt32LE(this.checked(compressed, name), 8);
      descriptor.writeUInt32LE(this.checked(size, name), 12);
      await this.write(descriptor);
    }

    const central = Buffer.alloc(46);
    central.writeUInt32LE(CENTRAL_HEADER, 0);
    central.writeUInt16LE(MADE_BY_UNIX, 4);
    central.writeUInt16LE(VERSION_NEEDED, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(time, 12);
    central.writeUInt16LE(date, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE((unixMode << 16) >>> 0, 38);
    central.writeUInt32LE(headerOffset, 42);
    this.central.push(central, nameBytes);
  }

  private async write(chunk: Buffer): Promise<void> {
    if (this.output.destroyed) throw new Error('the zip output was closed before the archive was complete');
    this.offset += chunk.length;
    if (this.output.write(chunk)) return;
    // A reader that goes away never drains the stream: stop on 'close' too.
    await new Promise<void>((resolve, reject) => {
      const settle = (): void => {
        this.output.off('drain', settle);
        this.output.off('close', settle);
        if (this.output.destroyed) reject(new Error('the zip output was closed before the archive was complete'));
        else resolve();
      };
      this.output.on('drain', settle);
      this.output.on('close', settle);
    });
  }

  private checked(value: number, what: string): number {
    if (value > MAX_CLASSIC) throw new RangeError(`${what} passes 4 GiB, which a zip without zip64 cannot record`);
    return value;
  }
}

function dosDateTime(at: Date): { date: number; time: number } {
  const year = Math.max(at.getUTCFullYear(), 1980);
  return {
    date: ((year - 1980) << 9) | ((at.getUTCMonth() + 1) << 5) | at.getUTCDate(),
    time: (at.getUTCHours() << 11) | (at.getUTCMinutes() << 5) | Math.floor(at.getUTCSeconds() / 2),
  };
}
