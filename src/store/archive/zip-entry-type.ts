/**
 * What a zip entry is (file, directory, symlink, device...) and its permission bits. Zip has no type
 * field: archivers on Unix put `st_mode` in the high 16 bits of the external attributes (host 3 in
 * "version made by"; 19 is macOS), DOS/Windows archivers set bit 0x10 for directories, and every
 * archiver ends directory names with "/". Pure.
 *
 *   zipEntryType({ versionMadeBy: 0x031e, externalFileAttributes: 0o120777 << 16, name: 'link' })
 *   // { type: 'symlink', mode: 0o777 }
 */
import type { RawEntryType } from './entry-policy.ts';

export interface ZipEntryAttributes {
  versionMadeBy: number;
  externalFileAttributes: number;
  name: string;
}

const HOST_UNIX = 3;
const HOST_MACOS = 19;
const DOS_DIRECTORY = 0x10;

const TYPE_BY_MODE: Record<number, RawEntryType> = {
  0o100000: 'file',
  0o040000: 'directory',
  0o120000: 'symlink',
  0o020000: 'character-device',
  0o060000: 'block-device',
  0o010000: 'fifo',
  0o140000: 'socket',
};

export function zipEntryType(entry: ZipEntryAttributes): { type: RawEntryType | null; mode: number } {
  const host = entry.versionMadeBy >>> 8;
  const namedAsDirectory = entry.name.endsWith('/');
  if (host === HOST_UNIX || host === HOST_MACOS) {
    const unixMode = entry.externalFileAttributes >>> 16;
    const typeBits = unixMode & 0o170000;
    const mode = unixMode & 0o7777;
    if (typeBits === 0) return { type: namedAsDirectory ? 'directory' : 'file', mode };
    const type = TYPE_BY_MODE[typeBits] ?? null;
    // The trailing "/" is the zip spec's own directory marker; it wins over a regular-file mode.
    if (type === 'file' && namedAsDirectory) return { type: 'directory', mode };
    return { type, mode };
  }
  const isDirectory = namedAsDirectory || (entry.externalFileAttributes & DOS_DIRECTORY) !== 0;
  return { type: isDirectory ? 'directory' : 'file', mode: 0 };
}
