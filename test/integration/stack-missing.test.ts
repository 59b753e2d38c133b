/**
 * A task whose stack image its node lacks (a node that pulls images from a registry has not pulled a
 * new one yet) waits rather than fails: the attempt goes back to the queue as `stack-missing` without
 * using a retry, the task shows a wait_reason naming the stack, and it runs once the image is there.
 */
import Docker from 'dockerode';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildStacks } from '../../src/stacks/build.ts';
import { addTestRevision } from '../helpers/code-revision.ts';
import { startFleet, type TestFleet } from '../helpers/fleet.ts';
import { eventually } from '../helpers/worker-process.ts';
import { COPY_ONE_FILE, stackFixture, type StackFixture } from './stacks-fixture.ts';

const docker = new Docker();
let fixture: StackFixture;
let fleet: TestFleet | undefined;

beforeEach(async () => {
  fixture = await stackFixture();
});

afterEach(async () => {
  await fleet?.stop();
  fleet = undefined;
  await fixture.cleanup(docker);
});

async function removeStackImages(language: string): Promise<void> {
  const images = await docker.listImages({ filters: JSON.stringify({ reference: [`dockhand/stack-${language}-*`] }) });
  for (const image of images) await docker.getImage(image.Id).remove({ force: true });
}

describe('a task whose stack image the node lacks', () => {
  it('waits with a wait_reason, uses no retry, and runs once the image is built', async () => {
    const stack = await fixture.addStack({ version: '1', dockerfile: COPY_ONE_FILE, files: { 'greeting.txt': 'hello from the fixture\n' }, versionCommand: 'echo fixture 1.0.0' });
    const catalog = await fixture.catalog();
    expect((await buildStacks(docker, catalog, [stack])).ok).toBe(true);
    fleet = await startFleet({ catalog, env: { DOCKHAND_RECONCILE_MS: '1000' } });
    await addTestRevision(fleet.ctx, fleet.projectId, 'greet', { image: undefined, stack, command: 'cat /opt/greeting.txt', retries: 0 });
    await removeStackImages(fixture.language);

    const queued = await fleet.client.tasks.queue('greet', {});
    const bounced = await eventually('an attempt back in the queue as stack-missing, with a wait_reason', async () => {
      const task = await fleet!.client.tasks.get(queued.id);
      return task.attempt_history?.some((a) => a.status === 'stack-missing') && task.wait_reason ? task : undefined;
    }, 20_000);
    expect(bounced.status).toBe('queued');
    expect(bounced.wait_reason).toContain(`the image of stack "${stack}"`);
    expect(bounced.attempt_history?.[0]).toMatchObject({ status: 'stack-missing', msg: expect.stringContaining('not built on this host') });

    expect((await buildStacks(docker, catalog, [stack])).ok).toBe(true);
    const done = await fleet.client.tasks.wait(queued.id, { timeoutMs: 60_000 });
    expect(done.status).toBe('complete');
    expect(await fleet.client.tasks.log(queued.id)).toContain('hello from the fixture');
    expect(done.attempt_history?.map((a) => a.status).filter((s) => s !== 'stack-missing')).toEqual(['complete']);
  }, 120_000);
});
