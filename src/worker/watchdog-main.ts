/**
 * The dead-man's switch of a worker node, run as a small process of its own beside the worker
 * (`worker/watchdog.ts` starts it). Task containers belong to the Docker engine, not to the worker, so
 * a worker that dies (SIGKILL, out of memory) or stalls would leave them running while the fleet,
 * seeing the node's leases lapse, starts the same tasks elsewhere. This process closes that gap:
 *
 * - after every successful heartbeat the worker tells it how long its leases are surely valid;
 *   when that time passes without a new word, it kills every running container of the node;
 * - when the worker's end of the pipe closes without a goodbye (the worker died), it kills them at
 *   once and exits.
 *
 * It only kills (SIGKILL); removing the stopped containers is the reconciler's job, so they stay
 * visible until then. It ignores SIGINT and SIGTERM: the worker's own exit is what ends it.
 *
 *   node --import tsx src/worker/watchdog-main.ts <node id>      (DOCKER_HOST as the worker's)
 *   stdin lines: {"validForMs": 6000} | {"bye": true}
 */
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import Dockerode from 'dockerode';

const nodeId = process.argv[2];
if (!nodeId) {
  process.stderr.write('watchdog: usage: watchdog-main.ts <node id>\n');
  process.exit(2);
}

const docker = new Dockerode();
let timer: NodeJS.Timeout | undefined;
let saidBye = false;

function log(message: string, extra: Record<string, unknown> = {}): void {
  process.stderr.write(`${JSON.stringify({ level: 'warn', component: 'watchdog', node_id: nodeId, msg: message, ...extra })}\n`);
}

async function killAll(why: string): Promise<void> {
  try {
    const running = await docker.listContainers({ filters: { label: ['dockhand.managed=true', `dockhand.node=${nodeId}`], status: ['running'] } });
    await Promise.all(running.map((c) => docker.getContainer(c.Id).kill({ signal: 'SIGKILL' }).catch(() => undefined)));
    if (running.length > 0) log(`killed the node's task containers: ${why}`, { containers: running.map((c) => (c.Names[0] ?? c.Id).replace(/^\//, '')) });
  } catch (err) {
    log(`could not kill the node's task containers: ${(err as Error).message}`);
  }
}

function arm(validForMs: number): void {
  if (timer) clearTimeout(timer);
  const due = performance.now() + validForMs;
  timer = setTimeout(() => {
    timer = undefined;
    void killAll(`leases not renewed for ${Math.round(validForMs)} ms (deadline ${Math.round(due)})`);
  }, Math.max(0, validForMs));
}

process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  try {
    const message = JSON.parse(line) as { validForMs?: number; bye?: boolean };
    if (message.bye) {
      saidBye = true;
      if (timer) clearTimeout(timer);
    } else if (typeof message.validForMs === 'number') arm(message.validForMs);
  } catch {
    log('ignored a line that is not JSON');
  }
});
lines.on('close', () => {
  if (timer) clearTimeout(timer);
  void (saidBye ? Promise.resolve() : killAll('the worker process ended')).then(() => process.exit(0));
});
