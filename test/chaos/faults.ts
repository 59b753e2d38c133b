/**
 * The faults of the chaos matrix, each one thing done to the fleet while tasks are in every state, and
 * how the fleet is made whole again afterwards (as an operator would: restart what was killed).
 */
import type { ChaosFleet } from './harness.ts';
import { sleep } from './harness.ts';

export interface Fault {
  name: string;
  inject(fleet: ChaosFleet, options: { outageMs: number }): Promise<void>;
}

async function killWorker(fleet: ChaosFleet, index: number, signal: NodeJS.Signals): Promise<void> {
  const worker = fleet.workers[index]!;
  worker.child.kill(signal);
  await worker.exited;
  await fleet.startWorker(index);
}

export const FAULTS: Fault[] = [
  { name: 'worker SIGKILL mid-task', inject: (fleet) => killWorker(fleet, 0, 'SIGKILL') },
  { name: 'worker SIGTERM drain', inject: (fleet) => killWorker(fleet, 1, 'SIGTERM') },
  {
    name: 'docker kill of a node\'s containers',
    async inject(fleet) {
      const docker = fleet.engines[0]!.docker;
      const running = await docker.listContainers({ filters: { label: ['dockhand.task'], status: ['running'] } });
      await Promise.all(running.map((c) => docker.getContainer(c.Id).kill().catch(() => undefined)));
    },
  },
  {
    name: 'Redis restart (AOF)',
    async inject(fleet) {
      fleet.redis.child.kill('SIGTERM'); // redis-server saves and exits on SIGTERM
      await fleet.redis.exited;
      await fleet.startRedis();
    },
  },
  {
    name: 'Redis unreachable (frozen)',
    async inject(fleet, { outageMs }) {
      // SIGSTOP: connections stay open and nothing answers, as behind a cut link (no RST).
      fleet.redis.child.kill('SIGSTOP');
      await sleep(outageMs);
      fleet.redis.child.kill('SIGCONT');
    },
  },
  {
    name: 'API server SIGKILL',
    async inject(fleet) {
      fleet.servers[0]!.child.kill('SIGKILL');
      await fleet.servers[0]!.exited;
      await sleep(2000);
      await fleet.startServer(0);
    },
  },
  {
    name: 'scheduler server SIGKILL at a firing',
    async inject(fleet) {
      // Both servers fire schedules; kill one a few ms after a second boundary, as it claims.
      await sleep(1000 - (Date.now() % 1000) + 5);
      fleet.servers[1]!.child.kill('SIGKILL');
      await fleet.servers[1]!.exited;
      await sleep(2000);
      await fleet.startServer(1);
    },
  },
];
