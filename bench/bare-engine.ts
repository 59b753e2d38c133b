/**
 * The baseline every Dockhand figure is compared with: a bare dockerode lifecycle (create -> start ->
 * wait -> remove) of a no-op container of the same stack image, with a task container's limits and
 * no network, one at a time or with a given concurrency.
 */
import Docker from 'dockerode';
import { buildContainerSpec } from '../src/runtime/container-spec.ts';
import { createOptions } from '../src/runtime/create-options.ts';

const docker = new Docker();

/** One lifecycle; resolves with its wall time in ms. */
export async function bareLifecycle(image: string): Promise<number> {
  const spec = buildContainerSpec({
    taskId: 'bench', attempt: 1, projectId: 'bench', codeName: 'bench', nodeId: 'bench', image,
    command: 'true', envVars: {}, memoryMb: 128, cpus: 1, network: false,
  });
  const options = createOptions({ ...spec, name: '', labels: { 'dockhand.bench': 'true' } });
  const t = performance.now();
  const container = await docker.createContainer({ ...options, name: undefined, Entrypoint: ['true'], Cmd: [], OpenStdin: false, StdinOnce: false, AttachStdin: false });
  await container.start();
  await container.wait();
  await container.remove({ force: true });
  return performance.now() - t;
}

/** `count` lifecycles, `concurrency` at a time; resolves with the elapsed ms. */
export async function bareThroughput(image: string, count: number, concurrency: number): Promise<number> {
  let next = 0;
  const t = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) {
      next += 1;
      await bareLifecycle(image);
    }
  }));
  return performance.now() - t;
}
