/**
 * Which code archives the code store may delete: those no code revision references (as the archive
 * its tasks run, or as the source of a build), once they have been stored for longer than a grace
 * period. The grace covers an upload in flight: its archive is stored before the revision that names
 * it is written, so a fresh unreferenced archive is an upload that has not finished yet, not garbage.
 * Pure: the caller lists the store and the revisions.
 *
 *   const plan = planArchiveCollection(await store.list(), referenced, Date.now(), ARCHIVE_GRACE_MS);
 */

export interface StoredArchive {
  sha256: string;
  /** When the archive was stored (the file's modification time for a directory store). */
  storedMs: number;
  size: number;
}

/** One day: far longer than any upload or dependency build (DOCKHAND_BUILD_TIMEOUT is at most a day). */
export const ARCHIVE_GRACE_MS = 86_400_000;

export function planArchiveCollection(
  archives: readonly StoredArchive[],
  referenced: ReadonlySet<string>,
  nowMs: number,
  graceMs: number = ARCHIVE_GRACE_MS,
): { remove: StoredArchive[]; keep: StoredArchive[] } {
  const plan = { remove: [] as StoredArchive[], keep: [] as StoredArchive[] };
  for (const archive of archives) {
    if (referenced.has(archive.sha256) || nowMs - archive.storedMs <= graceMs) plan.keep.push(archive);
    else plan.remove.push(archive);
  }
  return plan;
}
