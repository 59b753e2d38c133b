/**
 * Turns the raw name of an archive entry into the relative path Dockhand stores, or refuses it with a
 * sentence naming the entry, the rule and the fix. Pure: no I/O.
 *
 *   normalizeEntryName('./src/app.js', limits)   // 'src/app.js'
 *   normalizeEntryName('./', limits)             // null: the archive's root directory, skipped
 *   normalizeEntryName('../etc/passwd', limits)  // throws DhError DH_ERR_BAD_ARCHIVE
 *
 * `.` and empty segments are dropped (`./a//b/` is `a/b`); everything else that could mean something
 * different to another extractor is refused rather than rewritten: absolute names, `..`, backslashes
 * (a separator on Windows), NUL and other control characters, names that are not valid UTF-8.
 */
import { DhError } from '../../core/errors.ts';
import type { ArchiveLimits } from './archive-limits.ts';

export type NameLimits = Pick<ArchiveLimits, 'maxNameBytes' | 'maxSegmentBytes'>;

// C0 controls and DEL: NUL truncates names in C, newlines forge lines in logs and listings.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

export function normalizeEntryName(raw: string, limits: NameLimits): string | null {
  const refuse = (rule: string, fix: string): never => {
    throw new DhError('DH_ERR_BAD_ARCHIVE', `Archive entry ${displayName(raw)} ${rule}; ${fix}.`, { entry: raw, rule });
  };

  if (raw.length === 0) refuse('has an empty name', 'remove it from the archive');
  if (raw.includes('\u0000')) refuse('contains a NUL byte in its name', 'rename the file');
  if (CONTROL_CHARACTER.test(raw)) refuse('contains a control character in its name', 'rename the file');
  if (raw.includes('\uFFFD')) refuse('has a name that is not valid UTF-8', 'rename the file, or re-create the archive with UTF-8 names');
  if (raw.includes('\\')) refuse('contains a backslash', 'use "/" as the path separator (re-create the archive on Linux or macOS, or with `tar`)');
  if (raw.startsWith('/')) refuse('has an absolute path', 'archive paths relative to the code directory (e.g. `tar -C dir -czf code.tgz .`)');

  const segments = raw.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) refuse('contains a ".." path segment', 'archive paths relative to the code directory, without ".."');
  if (segments.length === 0) return null;

  for (const segment of segments) {
    const bytes = Buffer.byteLength(segment, 'utf8');
    if (bytes > limits.maxSegmentBytes) {
      refuse(`has a path segment of ${bytes} bytes, over the ${limits.maxSegmentBytes}-byte limit`, 'shorten that file or directory name');
    }
  }
  const name = segments.join('/');
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > limits.maxNameBytes) refuse(`has a path of ${bytes} bytes, over the ${limits.maxNameBytes}-byte limit`, 'use a shallower directory layout or shorter names');
  return name;
}

/** The name as it can be shown in one line of an error message: quoted, escaped, shortened. */
export function displayName(raw: string): string {
  const shown = raw.length > 160 ? `${raw.slice(0, 120)}…${raw.slice(-30)}` : raw;
  return JSON.stringify(shown);
}
