/**
 * A shared code store on a real GlusterFS volume (docs/deploy.md): two Dockhand servers on one
 * Redis, each with DOCKHAND_CODE_DIR on its own FUSE mount of the same volume. A package uploaded
 * through one is downloadable, byte for byte, through the other, and a task of it runs on a worker
 * that reads its code from the second mount only.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSettings } from '../../src/core/settings.ts';
import { startServerRole } from '../../src/roles/server-role.ts';
import { startWorkerRole, type WorkerRole } from '../../src/roles/worker-role.ts';
import { Dockhand } from '../../src/sdk/index.ts';
import { createContext, type AppContext } from '../../src/service/context.ts';
import { ensureBaseImage, BASE_TEST_IMAGE } from '../helpers/docker.ts';
import { startFleet, type TestFleet } from '../helpers/fleet.ts';
import { startGlusterVolume, type GlusterVolume } from '../helpers/glusterfs.ts';

let gluster: GlusterVolume;
let first: TestFleet;
let second: { ctx: AppContext; url: string; close(): Promise<void>; worker: WorkerRole; client: Dockhand; dataDir: string };

beforeAll(async () => {
  await ensureBaseImage();
  gluster = await startGlusterVolume({ mounts: 2 });
  console.log('GlusterFS volume up', gluster.timings);
  const [mountA, mountB] = gluster.mounts as [string, string];
  first = await startFleet({ worker: false, env: { DOCKHAND_CODE_DIR: mountA } });
  // The second server: the same Redis and prefix (one fleet), its own data dir, the other mount.
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-test-'));
  const ctx = await createContext(parseSettings({
    ...process.env, DOCKHAND_REDIS_PREFIX: first.prefix, DOCKHAND_DATA_DIR: dataDir, DOCKHAND_CODE_DIR: mountB,
    DOCKHAND_PORT: '0', DOCKHAND_HOST: '127.0.0.1', DOCKHAND_LOG_LEVEL: 'warn', DOCKHAND_SCHEDULER: 'off',
  }));
  const worker = await startWorkerRole(ctx, { clusters: ['default'], concurrency: 1, nodeId: `gluster-${randomBytes(3).toString('hex')}`, watchdog: false });
  const { app, url } = await startServerRole(ctx);
  second = { ctx, url, worker, dataDir, client: new Dockhand({ url, token: first.token }), async close() {
    await worker.agent.stop();
    await app.close();
    await ctx.close();
    await rm(dataDir, { recursive: true, force: true });
  } };
});

afterAll(async () => {
  await second?.close();
  await first?.stop();
  await gluster?.stop();
});

describe('a code store on a GlusterFS volume shared by two servers', () => {
  const marker = `from-gluster-${randomBytes(4).toString('hex')}`;

  it('serves a package uploaded through one server from the other, byte for byte', async () => {
    const source = await mkdtemp(path.join(os.tmpdir(), 'dockhand-gluster-code-'));
    try {
      await writeFile(path.join(source, 'run.sh'), `echo ${marker}\n`);
      const revision = await first.client.codes.upload(source, { name: 'shared', image: BASE_TEST_IMAGE, command: 'sh run.sh', memory: 64 });
      const sha = revision.archive_sha256!;
      expect(sha).toMatch(/^[0-9a-f]{64}$/);

      // Written through mount A, present on mount B (another FUSE client of the same volume).
      const onB = path.join(gluster.mounts[1]!, sha.slice(0, 2), `${sha}.tar.gz`);
      expect((await stat(onB)).size).toBe(revision.archive_size);
      expect(createHash('sha256').update(await readFile(onB)).digest('hex')).toBe(sha);
      // A download is the stored archive exported afresh: the same bytes through either server.
      const throughB = await second.client.codes.download('shared');
      expect(throughB.equals(await first.client.codes.download('shared'))).toBe(true);
      expect(gunzipSync(throughB).includes(`echo ${marker}`)).toBe(true);
    } finally {
      await rm(source, { recursive: true, force: true });
    }
  });

  it('runs a task of it on a worker whose code directory is the second mount', async () => {
    const task = await first.client.tasks.queue('shared', {});
    const done = await first.client.tasks.wait(task.id, { timeoutMs: 60_000 });
    expect(done.status).toBe('complete');
    expect(done.node_id).toBe(second.worker.agent.nodeId);
    expect(await second.client.tasks.log(task.id)).toContain(marker);
  });
});
