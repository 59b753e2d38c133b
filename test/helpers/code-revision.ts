/**
 * A code revision written straight to the store, for tests of the queue and the scheduler that need a
 * package to exist but never run its container: a no-op command on the test base image.
 *
 *   await addTestRevision(ctx, projectId, 'ping', { max_concurrency: 2 });
 */
import type { CodeRevision } from '../../src/core/model.ts';
import type { AppContext } from '../../src/service/context.ts';

export function addTestRevision(ctx: AppContext, projectId: string, name: string, overrides: Partial<CodeRevision> = {}): Promise<CodeRevision> {
  return ctx.codes.addRevision({
    project_id: projectId,
    name,
    image: 'dockhand-base:test',
    command: 'true',
    env_vars: {},
    max_concurrency: -1,
    retries: 0,
    retries_delay: 0,
    timeout: 60,
    memory: 64,
    cpus: 1,
    network: false,
    default_priority: 0,
    ...overrides,
  });
}
