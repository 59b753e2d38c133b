/**
 * Stack image ids over time: rebuilding a changed stack moves only that stack's image; a code revision
 * keeps running on the image it was built against; `stacks prune` removes stale images but never one
 * a revision records, nor a current one.
 */
import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CodeRevision } from '../../src/core/model.ts';
import { DockerRuntime } from '../../src/runtime/docker-runtime.ts';
import { buildStacks, ensureStacksBuilt } from '../../src/stacks/build.ts';
import { resolveStackImage } from '../../src/stacks/images.ts';
import { pruneStackImages } from '../../src/stacks/prune.ts';
import { Keys } from '../../src/store/redis/keys.ts';
import { RedisCodeRegistry } from '../../src/store/redis/redis-code-registry.ts';
import { DockerImageResolver } from '../../src/worker/image-resolver.ts';
import { dockhand } from '../helpers/cli.ts';
import { COPY_ONE_FILE, stackFixture, type StackFixture } from './stacks-fixture.ts';

const docker = new Docker();
let fixture: StackFixture;
let redis: Redis;
let prefix: string;
let codes: RedisCodeRegistry;

beforeAll(() => {
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6390');
});

afterAll(() => {
  redis.disconnect();
});

beforeEach(async () => {
  fixture = await stackFixture();
  prefix = `dhtest:${randomBytes(4).toString('hex')}:`;
  codes = new RedisCodeRegistry(redis, new Keys(prefix));
});

afterEach(async () => {
  await fixture.cleanup(docker);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
});

/** Writes version `n` of a fixture stack's one file and builds it; returns the image id. */
async function buildVersion(version: string, content: string): Promise<{ name: string; id: string }> {
  const name = await fixture.addStack({ version, dockerfile: COPY_ONE_FILE, files: { 'greeting.txt': content }, versionCommand: `echo ${version}.0` });
  const report = await ensureStacksBuilt(docker, await fixture.catalog(), [name]);
  return { name, id: report.stacks[0]!.id! };
}

function revisionOn(stack: string, imageId?: string): Omit<CodeRevision, 'rev' | 'id' | 'created_at'> {
  return {
    project_id: 'p1', name: `pkg-${randomBytes(3).toString('hex')}`, stack, ...(imageId ? { image_id: imageId } : {}),
    env_vars: {}, max_concurrency: -1, retries: 0, retries_delay: 60, timeout: 60, memory: 128, cpus: 1, network: false, default_priority: 0,
  };
}

describe('stack image ids', () => {
  it('rebuilding a changed stack gives it a new image and leaves every other stack\'s image id unchanged', async () => {
    const a = await buildVersion('1', 'a1\n');
    const b = await buildVersion('2', 'b1\n');
    await fixture.addStack({ version: '1', dockerfile: COPY_ONE_FILE, files: { 'greeting.txt': 'a2\n' }, versionCommand: 'echo 1.0' });
    const report = await buildStacks(docker, await fixture.catalog(), [a.name, b.name]);
    const after = new Map(report.stacks.map((s) => [s.name, s]));
    expect(after.get(a.name)).toMatchObject({ status: 'built' });
    expect(after.get(a.name)!.id).not.toBe(a.id);
    expect(after.get(b.name)).toMatchObject({ status: 'cached', id: b.id });
  });

  it('runs a revision on the image it was built against, and a new revision on the current image', async () => {
    const v1 = await buildVersion('1', 'first\n');
    const catalog = await fixture.catalog();
    const pinned = await codes.addRevision(revisionOn(v1.name, v1.id));
    const v2 = await buildVersion('1', 'second\n');
    expect(v2.id).not.toBe(v1.id);
    const resolver = new DockerImageResolver(docker, await fixture.catalog(), new DockerRuntime(docker));
    const resolved = (await resolver.resolve(pinned)).image;
    // By its content-hash tag, which it keeps while only :latest moves on.
    expect(resolved).toMatch(new RegExp(`^dockhand/stack-${v1.name}:[0-9a-f]{12}$`));
    expect((await docker.getImage(resolved).inspect()).Id).toBe(v1.id);
    const fresh = await codes.addRevision(revisionOn(v1.name));
    expect((await resolver.resolve(fresh)).image).toBe((await resolveStackImage(docker, await fixture.catalog(), v1.name)).ref);
    // A node without the recorded image (another host, or after a prune) runs the current one.
    const elsewhere = { ...pinned, image_id: `sha256:${'0'.repeat(64)}` };
    expect((await resolver.resolve(elsewhere)).image).toMatch(new RegExp(`^dockhand/stack-${v1.name}:`));
    expect(catalog.has(v1.name)).toBe(true);
  });

  it('prune removes stale images, keeps the current one and every image a revision records', async () => {
    const v1 = await buildVersion('1', 'one\n');
    const revision = await codes.addRevision(revisionOn(v1.name, v1.id));
    const v2 = await buildVersion('1', 'two\n');
    const v3 = await buildVersion('1', 'three\n');
    const catalog = await fixture.catalog();

    const dry = await pruneStackImages(docker, catalog, await codes.imageIds(), { dryRun: true });
    expect(dry.removed.map((i) => i.id)).toEqual([v2.id]);
    expect(await docker.getImage(v2.id).inspect()).toBeDefined();

    const report = await pruneStackImages(docker, catalog, await codes.imageIds());
    expect(report.removed.map((i) => i.id)).toEqual([v2.id]);
    expect(Object.fromEntries(report.kept.map((i) => [i.id, i.reason]))).toEqual({ [v1.id]: 'referenced', [v3.id]: 'current' });
    await expect(docker.getImage(v2.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect((await docker.getImage(v1.id).inspect()).Id).toBe(v1.id);
    expect((await docker.getImage(v3.id).inspect()).Id).toBe(v3.id);

    // Once no revision records it, the old image goes too.
    await codes.delete(revision.project_id, revision.name);
    const after = await pruneStackImages(docker, catalog, await codes.imageIds());
    expect(after.removed.map((i) => i.id)).toEqual([v1.id]);
  });

  it('stacks prune --dry-run reports on the real catalogue and removes nothing', async () => {
    const before = (await docker.listImages()).length;
    const result = await dockhand(['stacks', 'prune', '--dry-run', '--json'], { DOCKHAND_REDIS_PREFIX: prefix });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { dry_run: boolean; removed: unknown[]; kept: Array<{ reason: string }> };
    expect(report.dry_run).toBe(true);
    expect(report.kept.some((i) => i.reason === 'current')).toBe(true);
    expect((await docker.listImages()).length).toBe(before);
  });

  it('stacks prune refuses to remove anything when Redis does not answer', async () => {
    const result = await dockhand(['stacks', 'prune'], { REDIS_URL: 'redis://127.0.0.1:1' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('nothing was removed');
  });
});
