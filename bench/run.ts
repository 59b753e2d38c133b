/**
 * `npm run bench`: Dockhand's speed next to the bare engine, measured side by side in one run (absolute
 * times drift between machines and runs; the ratios are the figures to compare). Needs the Redis and
 * Docker engine that `npm test` or `npm run up` provision (REDIS_URL defaults to Dockhand's own).
 *
 *   npm run bench            # 20 rounds
 *   npm run bench -- 50      # 50 rounds
 */
import { benchNoopTask } from './noop-task.ts';
import { benchTraceOverhead } from './trace-overhead.ts';

const rounds = Number(process.argv[2] ?? 20);
process.env['REDIS_URL'] ??= 'redis://127.0.0.1:6390';
process.stderr.write(`no-op task vs docker run, ${rounds} interleaved rounds after 2 warm-up rounds...\n`);
for (const line of await benchNoopTask(rounds)) console.log(line);
process.stderr.write(`no-op task with tracing on vs off, ${rounds} alternating rounds after 2 warm-up rounds...\n`);
for (const line of await benchTraceOverhead(rounds)) console.log(line);
process.exit(0);
