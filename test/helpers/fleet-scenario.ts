/**
 * Shared pieces of the fleet scenario tests: code packages that run a shell line in the base test
 * image (present on every engine the tests use), and a sampler that counts a package's running
 * containers on every engine, the way `docker ps` would, many times a second.
 *
 *   await imagePackage(fleet, 'sleeper', 'echo started; sleep 5', { max_concurrency: 2 });
 *   const sampler = sampleRunning([docker(), engine.docker], { 'dockhand.code': 'sleeper' });
 *   ... ; const samples = await sampler.stop();   // max running at any instant: samples.max
 *   expect(await linesInLogs(client, done, 'end')).toEqual(done.map(() => 1));   // each ran to its end once
 */
import type Dockerode from 'dockerode';
import type { Dockhand, UploadOptions } from '../../src/sdk/index.ts';
import { BASE_TEST_IMAGE } from './docker.ts';
import type { TestFleet } from './fleet.ts';

export async function imagePackage(fleet: TestFleet, name: string, command: string, extra: Omit<UploadOptions, 'name' | 'image' | 'command'> = {}): Promise<void> {
  await fleet.client.codes.upload(undefined, { name, image: BASE_TEST_IMAGE, command, memory: 64, ...extra });
}

export interface RunningSample {
  at: number;
  /** Running containers per engine (index as given). */
  perEngine: number[];
  /** Task ids of the running containers, with duplicates kept. */
  tasks: string[];
}

export interface Sampler {
  stop(): Promise<{ samples: RunningSample[]; max: number; maxPerTask: number }>;
}

export function sampleRunning(engines: readonly Dockerode[], labels: Record<string, string>, everyMs = 100): Sampler {
  const samples: RunningSample[] = [];
  let stopped = false;
  const filters = { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`), status: ['running'] };
  const loop = (async () => {
    while (!stopped) {
      const at = Date.now();
      const lists = await Promise.all(engines.map((engine) => engine.listContainers({ filters }).catch(() => [])));
      samples.push({ at, perEngine: lists.map((l) => l.length), tasks: lists.flat().map((c) => c.Labels['dockhand.task'] ?? '') });
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      const max = Math.max(0, ...samples.map((s) => s.tasks.length));
      const maxPerTask = Math.max(0, ...samples.map((s) => Math.max(0, ...countBy(s.tasks).values())));
      return { samples, max, maxPerTask };
    },
  };
}

function countBy(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

/** Removes every container of the fleet's project on the given engines. */
export async function removeProjectContainers(engines: readonly Dockerode[], projectId: string): Promise<void> {
  for (const engine of engines) {
    const containers = await engine.listContainers({ all: true, filters: { label: [`dockhand.project=${projectId}`] } }).catch(() => []);
    for (const c of containers) await engine.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
  }
}

/**
 * How many times each task's log holds exactly this line. A task's log keeps every attempt's output,
 * so a task run to its end twice (a lost attempt that had in fact finished) shows the line twice.
 */
export async function linesInLogs(client: Dockhand, tasks: readonly { id: string }[], line: string): Promise<number[]> {
  const logs = await Promise.all(tasks.map((t) => client.tasks.log(t.id)));
  return logs.map((log) => log.split('\n').filter((l) => l === line).length);
}
