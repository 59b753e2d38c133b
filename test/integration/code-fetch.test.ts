/**
 * A worker node that does not share the server's code directory: it fetches each archive once by
 * sha256 from the API with the node token, checks it, caches it under its own data dir and runs the
 * task from there. Project tokens cannot read archives by hash, and a node never keeps bytes that do
 * not hash to what it asked for.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSettings } from '../../src/core/settings.ts';
import { createContext, type AppContext } from '../../src/service/context.ts';
import { startWorkerRole, type WorkerRole } from '../../src/roles/worker-role.ts';
import { FetchingCodeStore } from '../../src/store/code-store/fetching-code-store.ts';
import { FsCodeStore } from '../../src/store/code-store/fs-code-store.ts';
import { nodeToken } from '../../src/store/redis/node-token.ts';
import { startFleet, type TestFleet } from '../helpers/fleet.ts';
import { runToEnd, uploadScript } from '../helpers/security.ts';

let fleet: TestFleet;
let nodeDataDir: string;
let nodeCtx: AppContext;
let worker: WorkerRole;

beforeAll(async () => {
  fleet = await startFleet({ worker: false });
  nodeDataDir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-node-'));
  nodeCtx = await createContext(parseSettings({
    ...process.env,
    DOCKHAND_REDIS_PREFIX: fleet.prefix,
    DOCKHAND_DATA_DIR: nodeDataDir,
    DOCKHAND_API_URL: fleet.url,
    DOCKHAND_LOG_LEVEL: 'warn',
  }));
  worker = await startWorkerRole(nodeCtx, { clusters: ['default'], concurrency: 1, nodeId: `fetch-${fleet.prefix.split(':')[1]}`, watchdog: false });
});

afterAll(async () => {
  await worker?.stop();
  await nodeCtx?.close();
  await fleet?.stop();
  if (nodeDataDir) await rm(nodeDataDir, { recursive: true, force: true });
});

async function cachedArchives(): Promise<string[]> {
  const root = path.join(nodeDataDir, 'code-cache');
  const shards = await readdir(root).catch(() => [] as string[]);
  const names = await Promise.all(shards.filter((s) => s.length === 2).map((s) => readdir(path.join(root, s))));
  return names.flat().filter((n) => n.endsWith('.tar.gz')).map((n) => n.replace('.tar.gz', ''));
}

describe('code archives reach a node without a shared directory', () => {
  it('runs a task from an archive the node fetched by its hash, and keeps it cached', async () => {
    await uploadScript(fleet, 'fetched', 'echo "ran from a fetched archive"');
    const code = await fleet.client.codes.get('fetched');
    expect(await cachedArchives()).toEqual([]);

    const { task, log } = await runToEnd(fleet, 'fetched');
    expect(task.status).toBe('complete');
    expect(task.node_id).toBe(worker.nodeId);
    expect(log).toContain('ran from a fetched archive');
    expect(await cachedArchives()).toEqual([code.archive_sha256]);

    const again = await runToEnd(fleet, 'fetched');
    expect(again.task.status).toBe('complete');
  });

  it('opens archives to the node token only', async () => {
    const code = await fleet.client.codes.get('fetched');
    const url = `${fleet.url}/v1/archives/${code.archive_sha256}`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: `Bearer ${fleet.token}` } })).status).toBe(403);
    const answer = await fetch(url, { headers: { authorization: `Bearer ${await nodeToken(fleet.ctx.redis, fleet.ctx.keys)}` } });
    expect(answer.status).toBe(200);
    const bytes = Buffer.from(await answer.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(code.archive_sha256);
  });

  it('refuses and discards bytes that do not hash to the archive asked for', async () => {
    const liar: Server = createServer((_request, response) => response.end('not the archive'));
    await new Promise<void>((resolve) => liar.listen(0, '127.0.0.1', resolve));
    const port = (liar.address() as { port: number }).port;
    const cacheDir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-cache-'));
    try {
      const store = new FetchingCodeStore({
        local: new FsCodeStore(path.join(cacheDir, 'none')),
        cache: new FsCodeStore(cacheDir),
        apiUrl: `http://127.0.0.1:${port}`,
        token: async () => 'x',
        capBytes: 1024 * 1024,
      });
      const wanted = createHash('sha256').update('the real archive').digest('hex');
      await expect(store.get(wanted)).rejects.toThrow(/hashes to/);
      expect(await store.has(wanted)).toBe(false);
      expect((await readdir(cacheDir)).filter((n) => !n.startsWith('.'))).toEqual([]);
    } finally {
      liar.close();
      await rm(cacheDir, { recursive: true, force: true });
    }
  });

  it('keeps the cache under its size cap, dropping the least recently used archive', async () => {
    const cacheDir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-cache-'));
    const source = new FsCodeStore(path.join(fleet.dataDir, 'code'));
    const served: Server = createServer((request, response) => {
      const sha = request.url!.split('/').pop()!;
      void source.get(sha).then((stream) => stream.pipe(response), () => { response.statusCode = 404; response.end(); });
    });
    await new Promise<void>((resolve) => served.listen(0, '127.0.0.1', resolve));
    try {
      await uploadScript(fleet, 'second', 'echo two');
      await uploadScript(fleet, 'third', 'echo three');
      const shas = await Promise.all(['fetched', 'second', 'third'].map(async (n) => (await fleet.client.codes.get(n)).archive_sha256!));
      const sizes = await Promise.all(shas.map(async (sha) => (await import('node:fs/promises')).stat(source.path(sha)).then((s) => s.size)));
      const store = new FetchingCodeStore({
        local: new FsCodeStore(path.join(cacheDir, 'none')),
        cache: new FsCodeStore(path.join(cacheDir, 'cache')),
        apiUrl: `http://127.0.0.1:${(served.address() as { port: number }).port}`,
        token: async () => 'x',
        // Room for the two largest, not for all three.
        capBytes: sizes.reduce((a, b) => a + b, 0) - Math.min(...sizes),
      });
      for (const sha of shas) (await store.get(sha)).resume();
      expect(await store.has(shas[0]!)).toBe(false);
      expect(await store.has(shas[1]!)).toBe(true);
      expect(await store.has(shas[2]!)).toBe(true);
    } finally {
      served.close();
      await rm(cacheDir, { recursive: true, force: true });
    }
  });
});
