/**
 * The caps an uploaded archive is held to while it streams. Defaults come from `LIMITS` in
 * src/core/limits.ts; callers (and tests) may lower or raise single caps.
 *
 *   const limits = resolveArchiveLimits({ maxEntries: 100 });
 */
import { KiB, LIMITS, MiB } from '../../core/limits.ts';

export interface ArchiveLimits {
  /** Files and directories the archive may create, counting directories implied by file paths. */
  maxEntries: number;
  /** Unpacked bytes of one file. */
  maxFileBytes: number;
  /** Unpacked bytes of all files together. */
  maxTotalBytes: number;
  /** Bytes of the upload as sent (compressed). */
  maxUploadBytes: number;
  /** Bytes (UTF-8) of one entry's whole relative path. */
  maxNameBytes: number;
  /** Bytes (UTF-8) of one path segment: the usual file-system limit (NAME_MAX). */
  maxSegmentBytes: number;
}

export const DEFAULT_ARCHIVE_LIMITS: Readonly<ArchiveLimits> = Object.freeze({
  maxEntries: LIMITS.archiveMaxEntries,
  maxFileBytes: LIMITS.archiveMaxFileBytes,
  maxTotalBytes: LIMITS.archiveMaxTotalBytes,
  maxUploadBytes: LIMITS.archiveMaxUploadBytes,
  maxNameBytes: LIMITS.archiveMaxNameBytes,
  maxSegmentBytes: 255,
});

/**
 * A tar stream is headers, contents and padding. Beyond the contents, an honest archive needs a
 * header block, padding and (for long names or attributes) a pax record per entry, plus end-of-archive
 * blocks rounded up to a record. Anything past this allowance (runs of zero blocks, giant pax records)
 * is refused as a decompression bomb.
 */
export const TAR_OVERHEAD_FLOOR_BYTES = 4 * MiB;
export const TAR_OVERHEAD_PER_ENTRY_BYTES = 16 * KiB;

export function resolveArchiveLimits(overrides: Partial<ArchiveLimits> = {}): ArchiveLimits {
  const limits = { ...DEFAULT_ARCHIVE_LIMITS };
  for (const [key, value] of Object.entries(overrides) as [keyof ArchiveLimits, number | undefined][]) {
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`archive limit ${key} must be a positive integer, got ${value}`);
    limits[key] = value;
  }
  return limits;
}
