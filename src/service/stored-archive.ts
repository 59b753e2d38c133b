/** A code archive once it is in the code store, canonical: what a revision records about its file. */
export interface StoredArchive {
  sha256: string;
  size: number;
  fileCount: number;
}
