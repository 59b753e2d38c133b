// `npm test`: provisions what the tests need as `npm run up` does (packages, Docker engine, Redis, and
// Chromium for the dashboard's browser tests),
// builds the whole stack catalogue (the tests run every stack; cached after the first run, several
// stacks at a time, DOCKHAND_BUILD_PARALLEL to change how many), then runs the unit, integration and
// end-to-end suites against them. Extra arguments go to vitest (e.g. `npm test -- test/unit`;
// `npm run test:deploy` and `npm run test:failover` run the suites `npm test` leaves out).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT, ensureDependencies } from './ensure-deps.js';

ensureDependencies();
const { register } = await import('tsx/esm/api');
register();
const { provisionHost } = await import('../src/roles/provision.ts');
const dataDir = path.resolve(process.env.DOCKHAND_DATA_DIR ?? path.join(ROOT, '.dockhand'));
let host;
try {
  host = await provisionHost({ dataDir, stacks: 'all', forTests: true, log: (line) => process.stderr.write(`${line}\n`) });
} catch (err) {
  process.stderr.write(`dockhand: provisioning for the tests failed: ${err.message}\n`);
  process.exit(1);
}
await host.docker.modem?.agent?.destroy?.();
const env = { ...process.env, REDIS_URL: host.redisUrl, DOCKER_HOST: host.dockerHost, DOCKHAND_DATA_DIR: dataDir };
process.stderr.write(`==> running the tests (Redis ${host.redisUrl}, Docker ${host.dockerHost})\n`);
const vitest = path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
// Without arguments: the unit and integration projects; the deploy project runs on its own (vitest.config.ts).
const args = process.argv.length > 2 ? process.argv.slice(2) : ['--project', 'unit', '--project', 'integration'];
const result = spawnSync(process.execPath, [vitest, 'run', ...args], { cwd: ROOT, env, stdio: 'inherit' });
process.exit(result.status ?? 1);
