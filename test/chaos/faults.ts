/**
 * The faults of the chaos matrix, each one thing done to the fleet while tasks are in every state, and
 * how the fleet is made whole again afterwards (as an operator would: restart what was killed).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ChaosFleet } from './harness.ts';
import { sleep } from './harness.ts';

export interface Fault {
  name: string;
  /** Tasks may fail by this fault's design (their containers are killed: an error, retried if they have retries). */
  failsTasks?: boolean;
  /** Returns what the fault itself checked and found wrong (nothing: all held). */
  inject(fleet: ChaosFleet, options: { outageMs: number }): Promise<void | string[]>;
}

const run$ = promisify(execFile);

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
    failsTasks: true,
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
    name: 'dockerd restart on a worker\'s engine',
    async inject(fleet) {
      // `systemctl restart docker` on worker 0's host: its running containers die with the daemon.
      await fleet.engines[0]!.restart();
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
    name: 'code store disk full, Redis at maxmemory',
    async inject(fleet, { outageMs }) {
      const problems: string[] = [];
      const admin = fleet.clients[0]!;
      const source = await mkdtemp(path.join(tmpdir(), 'dh-chaos-upload-'));
      // Random bytes do not compress: the archive is as large as the file.
      await writeFile(path.join(source, 'blob.bin'), randomBytes(1024 * 1024));
      await writeFile(path.join(source, 'run.sh'), 'echo hi\n');
      const name = `c${fleet.run}-full`;
      const upload = () => admin.codes.upload(source, { name, image: 'dockhand-base:test', command: 'sh run.sh', memory: 64 });
      const expectRefused = async (what: string, code: string): Promise<void> => {
        try {
          const revision = await upload();
          problems.push(`${what}: the upload was accepted (revision ${revision.rev})`);
        } catch (err) {
          const { message, code: got } = err as Error & { code?: string };
          if (got !== code) problems.push(`${what}: the upload failed with ${got ?? 'no code'}, not ${code}: ${message}`);
        }
      };
      try {
        // The code store's file system full: fill the tmpfs (dd stops at ENOSPC).
        const filler = path.join(fleet.codeDir, 'filler');
        await run$('dd', ['if=/dev/zero', `of=${filler}`, 'bs=1M']).catch(() => undefined);
        await expectRefused('code store full', 'DH_ERR_STORAGE_FULL');
        const revisions = await admin.codes.revisions(name).catch(() => []);
        if (revisions.length > 0) problems.push(`code store full: ${revisions.length} revision(s) of ${name} exist after a refused upload`);
        await rm(filler, { force: true });
        await upload().catch((err: Error) => problems.push(`code store freed: the upload still fails: ${err.message}`));

        // Redis at its maxmemory (noeviction): writes are refused, nothing is evicted.
        const used = Number(/used_memory:(\d+)/.exec(await fleet.ctx.redis.info('memory'))?.[1] ?? 0);
        await fleet.ctx.redis.config('SET', 'maxmemory', String(Math.max(1024 * 1024, used - 1024 * 1024)));
        try {
          await expectRefused('Redis at maxmemory', 'DH_ERR_STORAGE_FULL');
          await sleep(Math.min(outageMs, 5000));
        } finally {
          await fleet.ctx.redis.config('SET', 'maxmemory', '0');
        }
      } finally {
        await rm(source, { recursive: true, force: true });
      }
      return problems;
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
  {
    name: 'a worker\'s clock 30 s ahead',
    async inject(fleet, { outageMs }) {
      // Worker 1 restarted under libfaketime (a drain, then the same node 30 s in the future), left so
      // while tasks flow, then restarted with the true time.
      const worker = fleet.workers[1]!;
      worker.child.kill('SIGTERM');
      await worker.exited;
      await fleet.startWorker(1, { faketime: '+30s' });
      await sleep(Math.max(outageMs, 10_000));
      fleet.workers[1]!.child.kill('SIGTERM');
      await fleet.workers[1]!.exited;
      await fleet.startWorker(1);
    },
  },
];
