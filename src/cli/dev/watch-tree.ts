/**
 * Watches a code directory for changes that matter to an upload: every path the packer would leave
 * out (.dockhandignore or .gitignore, .git, links) is ignored, and a burst of events (an editor writes
 * a temporary file, renames it, touches the directory) becomes one call after a short quiet spell.
 *
 *   const watcher = watchTree('./worker', (paths) => console.log('changed', paths));
 *   watcher.close();
 *
 * Node's own recursive fs.watch (inotify on Linux) is enough here: one directory tree, no globs, and a
 * missed event is harmless because each run uploads the whole directory as it then is.
 */
import { existsSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { packFilter } from '../../sdk/pack-directory.ts';

/** Quiet time after the last event before a change is reported. */
export const SETTLE_MS = 60;

export interface TreeWatcher {
  close(): void;
}

export function watchTree(dir: string, onChange: (paths: string[]) => void, settleMs = SETTLE_MS): TreeWatcher {
  const root = path.resolve(dir);
  let leftOut = packFilter(root);
  let changed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const watcher: FSWatcher = watch(root, { recursive: true }, (_event, name) => {
    if (name === null) return;
    const relative = name.toString().split(path.sep).join('/');
    const absolute = path.join(root, relative);
    if (relative.split('/').includes('.git')) return;
    // The ignore rules changed: read them again (and upload, since what is left out changed).
    if (relative === '.dockhandignore' || relative === '.gitignore') leftOut = packFilter(root);
    else if (existsSync(absolute) && leftOut(absolute)) return;
    changed.add(relative);
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      const paths = [...changed].sort();
      changed = new Set();
      onChange(paths);
    }, settleMs);
  });
  return {
    close() {
      if (timer) clearTimeout(timer);
      watcher.close();
    },
  };
}
