/**
 * Save-to-output of `dockhand dev` on a warm fleet: a hello in node and in python (no dependencies) is
 * watched by a real `dockhand dev --json` process; each round rewrites its source and times, from just
 * before the write, the moment the new version's first output line reaches the developer's terminal
 * and the moment its result does. The task's own run time (its `run` span) is reported beside them:
 * the target is save-to-output under 1 s plus that. Needs what `npm test` provisions.
 *
 *   npx tsx bench/dev-loop.ts        # 10 rounds per language
 *   npx tsx bench/dev-loop.ts 20
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DevEvent } from '../src/cli/dev/dev-events.ts';
import { startDev } from '../test/helpers/dev-process.ts';
import { startBenchFleet } from './bench-fleet.ts';
import { formatRow, summary } from './stats.ts';

const rounds = Number(process.argv[2] ?? 10);
process.env['REDIS_URL'] ??= 'redis://127.0.0.1:6390';

const HELLOS = {
  'node-20': { file: 'index.js', source: (n: number) => `console.log('hello ${n}');\nrequire('node:fs').writeFileSync(process.env.RESULT_FILE, JSON.stringify({ n: ${n} }));\n` },
  'python-3.13': { file: 'main.py', source: (n: number) => `import json, os\nprint('hello ${n}', flush=True)\nopen(os.environ['RESULT_FILE'], 'w').write(json.dumps({'n': ${n}}))\n` },
} as const;

const fleet = await startBenchFleet();
try {
  for (const [stack, hello] of Object.entries(HELLOS)) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-dev-bench-'));
    await writeFile(path.join(dir, hello.file), hello.source(0));
    const dev = startDev([dir, '--name', `bench-${stack}`, '--stack', stack], { DOCKHAND_URL: fleet.url, DOCKHAND_TOKEN: fleet.token });
    await dev.next((e) => e.event === 'finished', 120_000);
    const toOutput: number[] = [];
    const toResult: number[] = [];
    const run: number[] = [];
    for (let n = 1; n <= rounds + 2; n++) {
      const saved = performance.now();
      await writeFile(path.join(dir, hello.file), hello.source(n));
      await dev.next((e) => e.event === 'log' && e.data.includes(`hello ${n}`));
      const output = performance.now() - saved;
      const finished = await dev.next((e): e is Extract<DevEvent, { event: 'finished' }> => e.event === 'finished');
      const result = performance.now() - saved;
      if (n <= 2) continue; // warm-up: the first saves also warm the stack image's page cache
      toOutput.push(output);
      toResult.push(result);
      const runSpan = finished.spans.find((s) => s.name === 'run');
      if (runSpan) run.push(runSpan.end - runSpan.start);
    }
    await dev.interrupt();
    await rm(dir, { recursive: true, force: true });
    console.log(formatRow(summary(`${stack}: save -> first output line`, toOutput)));
    console.log(formatRow(summary(`${stack}: save -> result`, toResult)));
    console.log(formatRow(summary(`${stack}: the task's own run (run span)`, run)));
  }
} finally {
  await fleet.stop();
}
process.exit(0);
