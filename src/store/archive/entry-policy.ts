/**
 * The ledger of one archive being accepted: which entries it may hold, with which modes, and how many
 * bytes they may unpack to. Pure: the readers (tar, zip) feed it headers and byte counts as they stream,
 * and it throws a DhError the moment a rule or cap is broken, before anything past that point is read.
 *
 *   const ledger = new ArchiveLedger(resolveArchiveLimits());
 *   const entry = ledger.admit({ name: './bin/run', type: 'file', mode: 0o4755, size: 120 });
 *   // { name: 'bin/run', kind: 'file', mode: 0o755, size: 120 }: setuid stripped, exec bit kept
 *   ledger.countContent(entry, chunk.length); // per chunk, as it streams
 *
 * Rules: only regular files and directories; names as `normalizeEntryName` allows; no name twice; no
 * entry beneath a file; caps on entries (implied parent directories count: they are inodes too), on
 * bytes per file and on bytes in total, checked first against the declared size and again on the stream.
 */
import { DhError } from '../../core/errors.ts';
import { TAR_OVERHEAD_FLOOR_BYTES, TAR_OVERHEAD_PER_ENTRY_BYTES, type ArchiveLimits } from './archive-limits.ts';
import { displayName, normalizeEntryName } from './entry-name.ts';

/** Entry types in tar-stream's vocabulary; zip entries are mapped onto it by their unix mode. */
export type RawEntryType =
  | 'file'
  | 'directory'
  | 'symlink'
  | 'link'
  | 'character-device'
  | 'block-device'
  | 'fifo'
  | 'socket'
  | 'contiguous-file';

export interface RawEntry {
  name: string;
  /** null when the archive uses a type flag nobody defined. */
  type: RawEntryType | null;
  mode: number;
  size: number;
  linkname?: string | null;
}

export type EntryKind = 'file' | 'directory';

export interface AdmittedEntry {
  name: string;
  kind: EntryKind;
  mode: number;
  size: number;
}

export const DIRECTORY_MODE = 0o755;
export const FILE_MODE = 0o644;
export const EXECUTABLE_MODE = 0o755;

/** Directories 0755; files 0755 when any execute bit was set, else 0644. setuid, setgid, sticky never survive. */
export function canonicalMode(kind: EntryKind, rawMode: number): number {
  if (kind === 'directory') return DIRECTORY_MODE;
  return (rawMode & 0o111) !== 0 ? EXECUTABLE_MODE : FILE_MODE;
}

interface PathNode {
  /** 'implied' directories exist only as parents of later names; an explicit entry may still claim them. */
  kind: EntryKind | 'implied';
  children: Map<string, PathNode> | undefined;
}

export class ArchiveLedger {
  private readonly root: PathNode = { kind: 'directory', children: new Map() };
  private rawEntries = 0;
  private paths = 0;
  private declaredBytes = 0;
  private streamedBytes = 0;
  private files = 0;
  private written = 0;

  constructor(private readonly limits: ArchiveLimits) {}

  /** Files accepted so far. */
  get fileCount(): number {
    return this.files;
  }

  /** Entries accepted so far (files and explicit directories): what the canonical archive holds. */
  get entryCount(): number {
    return this.written;
  }

  /** Content bytes seen on the stream so far. */
  get totalBytes(): number {
    return this.streamedBytes;
  }

  /**
   * The most bytes the decompressed tar stream may have carried by now: the admitted contents with
   * their headers and padding, plus a fixed allowance for metadata. See TAR_OVERHEAD_FLOOR_BYTES.
   */
  tarStreamBudget(): number {
    return TAR_OVERHEAD_FLOOR_BYTES + this.declaredBytes + this.rawEntries * (512 + 511 + TAR_OVERHEAD_PER_ENTRY_BYTES);
  }

  /** Checks one entry's header. Returns what to store, or null for the archive's own root (`./`). */
  admit(raw: RawEntry): AdmittedEntry | null {
    this.rawEntries += 1;
    if (this.rawEntries > this.limits.maxEntries) this.tooManyEntries();

    const name = normalizeEntryName(raw.name, this.limits);
    const kind = entryKind(raw);
    if (name === null) {
      if (kind !== 'directory') refuse(raw.name, 'names the archive root but is not a directory', 'remove it from the archive');
      return null;
    }
    if (kind === 'directory' && raw.size !== 0) {
      refuse(raw.name, `is a directory that claims ${raw.size} bytes of content`, 're-create the archive; it is corrupt');
    }
    if (kind === 'file') this.checkDeclaredSize(raw.name, raw.size);

    this.claimPath(name, kind, raw.name);
    if (kind === 'file') {
      this.files += 1;
      this.declaredBytes += raw.size;
    }
    this.written += 1;
    return { name, kind, mode: canonicalMode(kind, raw.mode), size: kind === 'file' ? raw.size : 0 };
  }

  /** Counts content bytes as they stream; `soFar` is the entry's byte count including this chunk. */
  countContent(entry: AdmittedEntry, chunkBytes: number, soFar: number): void {
    this.streamedBytes += chunkBytes;
    if (soFar > entry.size) {
      refuse(entry.name, `unpacks to more than the ${entry.size} bytes its header declares`, 're-create the archive; it is corrupt or crafted');
    }
    if (soFar > this.limits.maxFileBytes) this.fileTooLarge(entry.name, soFar);
    if (this.streamedBytes > this.limits.maxTotalBytes) this.totalTooLarge();
  }

  private checkDeclaredSize(rawName: string, size: number): void {
    if (!Number.isSafeInteger(size) || size < 0) refuse(rawName, `declares an impossible size (${size})`, 're-create the archive; it is corrupt');
    if (size > this.limits.maxFileBytes) this.fileTooLarge(rawName, size);
    if (this.declaredBytes + size > this.limits.maxTotalBytes) this.totalTooLarge();
  }

  private claimPath(name: string, kind: EntryKind, rawName: string): void {
    const segments = name.split('/');
    let node = this.root;
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i] as string;
      const last = i === segments.length - 1;
      node.children ??= new Map();
      const existing = node.children.get(segment);
      if (!last) {
        if (existing === undefined) {
          node = this.addNode(node, segment, 'implied');
        } else if (existing.kind === 'file') {
          refuse(rawName, `lies beneath ${displayName(segments.slice(0, i + 1).join('/'))}, which is a file earlier in the archive`, 'rename one of them');
        } else {
          node = existing;
        }
        continue;
      }
      if (existing === undefined) {
        this.addNode(node, segment, kind);
      } else if (existing.kind === 'implied' && kind === 'directory') {
        existing.kind = 'directory';
      } else if (existing.kind === 'implied') {
        refuse(rawName, 'is a file, but earlier entries use that path as a directory', 'rename one of them');
      } else {
        refuse(rawName, `appears more than once (as ${displayName(name)})`, 'keep only one copy of it in the archive');
      }
    }
  }

  private addNode(parent: PathNode, segment: string, kind: PathNode['kind']): PathNode {
    this.paths += 1;
    if (this.paths > this.limits.maxEntries) this.tooManyEntries();
    const node: PathNode = { kind, children: undefined };
    (parent.children as Map<string, PathNode>).set(segment, node);
    return node;
  }

  private tooManyEntries(): never {
    throw new DhError(
      'DH_ERR_ARCHIVE_TOO_LARGE',
      `The archive holds more than ${this.limits.maxEntries} files and directories (the archiveMaxEntries cap); ` +
        'ship fewer files, e.g. leave out dependencies (node_modules, vendor) and install them in the image.',
      { cap: 'archiveMaxEntries', limit: this.limits.maxEntries },
    );
  }

  private fileTooLarge(rawName: string, bytes: number): never {
    throw new DhError(
      'DH_ERR_ARCHIVE_TOO_LARGE',
      `Archive entry ${displayName(rawName)} unpacks to ${bytes} bytes, over the per-file cap of ${this.limits.maxFileBytes} bytes ` +
        '(archiveMaxFileBytes); keep large data out of the code package and fetch it at run time.',
      { entry: rawName, cap: 'archiveMaxFileBytes', limit: this.limits.maxFileBytes },
    );
  }

  private totalTooLarge(): never {
    throw new DhError(
      'DH_ERR_ARCHIVE_TOO_LARGE',
      `The archive unpacks to more than ${this.limits.maxTotalBytes} bytes (the archiveMaxTotalBytes cap); ` +
        'ship less, e.g. leave out dependencies and build output.',
      { cap: 'archiveMaxTotalBytes', limit: this.limits.maxTotalBytes },
    );
  }
}

function entryKind(raw: RawEntry): EntryKind {
  switch (raw.type) {
    case 'file':
      return 'file';
    case 'directory':
      return 'directory';
    case 'symlink':
      return refuse(raw.name, `is a symbolic link${linkTarget(raw)}; only regular files and directories are accepted`, 'replace the link with a copy of its target (e.g. `tar -h`, `zip` without `-y`)');
    case 'link':
      return refuse(raw.name, `is a hard link${linkTarget(raw)}; only regular files and directories are accepted`, 'replace it with a copy of the file (e.g. `tar --hard-dereference`)');
    case 'character-device':
    case 'block-device':
      return refuse(raw.name, `is a ${raw.type}; only regular files and directories are accepted`, 'remove it from the archive');
    case 'fifo':
      return refuse(raw.name, 'is a FIFO (named pipe); only regular files and directories are accepted', 'remove it from the archive');
    case 'socket':
      return refuse(raw.name, 'is a socket; only regular files and directories are accepted', 'remove it from the archive');
    case 'contiguous-file':
    case null:
      return refuse(raw.name, `has an unsupported entry type (${raw.type ?? 'unknown'}); only regular files and directories are accepted`, 're-create the archive with plain `tar` or `zip`');
  }
}

function linkTarget(raw: RawEntry): string {
  return raw.linkname ? ` (to ${displayName(raw.linkname)})` : '';
}

function refuse(rawName: string, rule: string, fix: string): never {
  throw new DhError('DH_ERR_BAD_ARCHIVE', `Archive entry ${displayName(rawName)} ${rule}; ${fix}.`, { entry: rawName, rule });
}
