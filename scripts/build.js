// `npm run build` (and `prepack`): compiles src/ into dist/ (JavaScript and declarations)
// with tsconfig.build.json, then copies what the compiled code reads beside itself (the Redis Lua
// scripts). Plain JavaScript so it runs before anything is compiled.
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './ensure-deps.js';

const DIST = path.join(ROOT, 'dist');
/** Files under src/ the compiled modules open at run time, relative to src/. */
const ASSETS = ['store/redis/scripts'];

/** Compiles into `outDir` (default dist/; Dockhand's image compiles into a scratch directory). */
export function build(outDir = DIST) {
  rmSync(outDir, { recursive: true, force: true });
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', outDir], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write('dockhand: compiling src/ into dist/ failed; see the errors above.\n');
    return result.status ?? 1;
  }
  for (const asset of ASSETS) {
    cpSync(path.join(ROOT, 'src', asset), path.join(outDir, asset), { recursive: true, filter: (from) => !from.endsWith('.ts') });
  }
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.join(ROOT, 'scripts', 'build.js')) {
  const at = process.argv.indexOf('--out-dir');
  process.exit(build(at > 0 ? path.resolve(process.argv[at + 1]) : DIST));
}
