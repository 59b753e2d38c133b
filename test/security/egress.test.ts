/**
 * The egress policy of network-enabled tasks (docs/security.md "Egress"), attacked from inside real
 * task containers on an engine of the test's own, in a network namespace of its own with a routed
 * "outside" (helpers/egress-lab.ts): nothing here touches the shared engine's networks or the real
 * internet. Each refused destination is first shown to answer from the host namespace itself, so a
 * refusal is the policy's doing, not an absent service.
 */
import { mkdtemp, rm, cp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../../src/core/model.ts';
import { startWorkerRole, type WorkerRole } from '../../src/roles/worker-role.ts';
import { chainNames } from '../../src/host/egress/rules.ts';
import { REPO_ROOT } from '../helpers/cli.ts';
import { startFleet, type TestFleet } from '../helpers/fleet.ts';
import { LAB, startEgressLab, type EgressLab } from '../helpers/egress-lab.ts';

const STACK_IMAGE = 'dockhand/stack-default:latest';
const HOST_SERVICE_PORT = 18080;
const HOST_API_PORT = 18081;

let lab: EgressLab;
let fleet: TestFleet;
let worker: WorkerRole;
let gateway: string;
const hostProcesses: ChildProcess[] = [];

/** Connects from the lab's host namespace itself: what answers there without any task policy. */
async function fromHost(host: string, port: number): Promise<string> {
  const script = `const s=require('net').connect(${port},'${host}');s.setTimeout(3000,()=>{console.log('timeout');process.exit(0)});s.on('data',d=>{console.log(String(d).trim());process.exit(0)});s.on('error',e=>{console.log('error '+e.code);process.exit(0)});s.on('connect',()=>{if(${port}===${HOST_API_PORT}){s.write('GET /health HTTP/1.0\\r\\n\\r\\n')}})`;
  const { stdout } = await lab.runInHost(process.execPath, ['-e', script]);
  return stdout.trim();
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function uploadProbe(name: string, egress?: string[]): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-egress-'));
  try {
    await cp(path.join(REPO_ROOT, 'test/fixtures/egress/probe.py'), path.join(dir, 'probe.py'));
    await fleet.client.codes.upload(dir, { name, stack: 'default', command: 'python3 probe.py', network: true, timeout: 60, memory: 128, ...(egress ? { egress } : {}) });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function probe(code: string, payload: unknown): Promise<{ task: Task; result: Record<string, string> }> {
  const queued = await fleet.client.tasks.queue(code, { payload });
  const task = await fleet.client.tasks.wait(queued.id, { timeoutMs: 90_000 });
  expect(task.status, `${task.id}: ${task.msg ?? ''}\n${await fleet.client.tasks.log(task.id)}`).toBe('complete');
  return { task, result: task.result as Record<string, string> };
}

function everyTarget(): unknown {
  return {
    tcp: {
      public: [LAB.PUBLIC_WEB, 80],
      private: [LAB.PRIVATE, 80],
      allowed: [LAB.ALLOWED, 80],
      metadata: [LAB.METADATA, 80],
      'host api via gateway': [gateway, HOST_API_PORT],
      'host service via gateway': [gateway, HOST_SERVICE_PORT],
      'host service via uplink': [LAB.HOST_UPLINK, HOST_SERVICE_PORT],
    },
    dns: { 'configured resolver': LAB.RESOLVER, 'rogue resolver': LAB.ROGUE_DNS },
  };
}

beforeAll(async () => {
  lab = await startEgressLab({ images: [STACK_IMAGE] });
  fleet = await startFleet({ worker: false, env: { DOCKHAND_TASK_DNS: LAB.RESOLVER } });
  worker = await startWorkerRole(fleet.ctx, { clusters: ['default'], concurrency: 2, nodeId: `egress-${fleet.prefix.split(':')[1]}`, docker: lab.docker, egressFirewall: lab.firewall, watchdog: false });
  const network = (await lab.docker.getNetwork('dockhand-tasks').inspect()) as { IPAM: { Config: Array<{ Gateway?: string }> } };
  gateway = network.IPAM.Config[0]!.Gateway!;

  // The host's own services, bound to every address: any service, and a real Dockhand API.
  hostProcesses.push(lab.spawnInHost(process.execPath, ['-e', `require('net').createServer(s=>s.end('served-by host service\\n')).listen(${HOST_SERVICE_PORT},'0.0.0.0')`]));
  hostProcesses.push(lab.spawnInHost('redis-server', ['--port', '16391', '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']));
  const apiData = await mkdtemp(path.join(os.tmpdir(), 'dockhand-egress-api-'));
  hostProcesses.push(lab.spawnInHost(process.execPath, [path.join(REPO_ROOT, 'bin/dockhand.js'), 'server'], {
    ...process.env, DOCKHAND_HOST: '0.0.0.0', DOCKHAND_PORT: String(HOST_API_PORT), REDIS_URL: 'redis://127.0.0.1:16391', DOCKHAND_DATA_DIR: apiData, DOCKHAND_LOG_LEVEL: 'warn',
  }));
  await waitFor('the host API to answer', async () => ((await fromHost(gateway, HOST_API_PORT)).includes('200 OK') ? true : undefined), 90_000);

  await Promise.all([uploadProbe('probe'), uploadProbe('probe-allowed', [`${LAB.ALLOWED}:80`])]);
}, 300_000);

afterAll(async () => {
  await worker?.stop({ drainTimeoutMs: 1000 });
  await fleet?.stop();
  for (const child of hostProcesses) child.kill('SIGKILL');
  await lab?.stop();
}, 120_000);

describe('a network-enabled task', () => {
  it('runs on a node that says it enforces the egress policy', async () => {
    const [node] = (await fleet.client.nodes.list()).filter((n) => n.id === worker.nodeId);
    expect(node?.egress).toEqual({ mode: 'enforced', backend: expect.stringMatching(/nf_tables|legacy/) });
    expect(node?.labels['dockhand.network']).toBe('ready');
  });

  it('reaches the public internet, and not the host, cloud metadata, private addresses or another resolver', async () => {
    // Each of these answers from the host namespace itself: a refusal below is the policy's.
    for (const [host, port] of [[LAB.PRIVATE, 80], [LAB.METADATA, 80], [gateway, HOST_SERVICE_PORT], [LAB.HOST_UPLINK, HOST_SERVICE_PORT]] as const) {
      expect(await fromHost(host, port), `${host}:${port} from the host`).toMatch(/served-by/);
    }
    const { task, result } = await probe('probe', everyTarget());
    expect(result['public']).toBe(`open: served-by ${LAB.PUBLIC_WEB}`);
    for (const refused of ['private', 'allowed', 'metadata', 'host api via gateway', 'host service via gateway', 'host service via uplink', 'rogue resolver udp', 'rogue resolver tcp']) {
      expect(result[refused], refused).toMatch(/^refused/);
    }
    expect(task.egress_policy).toBe('public-only');
  });

  it('reaches a private destination on its package allow-list, and no other', async () => {
    const { task, result } = await probe('probe-allowed', everyTarget());
    expect(result['allowed']).toBe(`open: served-by ${LAB.ALLOWED}`);
    expect(result['private']).toMatch(/^refused/);
    expect(result['metadata']).toMatch(/^refused/);
    expect(task.egress_policy).toBe('allow-list');
    expect(task.egress_allowed).toEqual([`${LAB.ALLOWED}:80`]);
    // The grant went with its container.
    const { stdout } = await lab.runInHost('iptables', ['-w', '-S']);
    expect(stdout).not.toContain(`-d ${LAB.ALLOWED}/32`);
  });

  it('cannot reach another task\'s container', async () => {
    const listener = await fleet.client.tasks.queue('probe', { payload: { listen: 9000, seconds: 20 } });
    const address = await waitFor('the listening task\'s address', async () => {
      const [c] = await lab.docker.listContainers({ filters: { label: [`dockhand.task=${listener.id}`] } });
      const ip = c?.NetworkSettings.Networks['dockhand-tasks']?.IPAddress;
      const log = await fleet.client.tasks.log(listener.id);
      return ip && log.includes('listening') ? ip : undefined;
    });
    const { result } = await probe('probe', { tcp: { 'other task': [address, 9000] } });
    expect(result['other task']).toMatch(/^refused/);
    await fleet.client.tasks.cancel(listener.id).catch(() => undefined);
  });
});

describe('the policy on its host', () => {
  it('is put back when something removes it, and still holds after dockerd restarts', async () => {
    const chain = chainNames(await lab.docker.getNetwork('dockhand-tasks').inspect().then((n: { Id: string }) => ({ id: n.Id }))).forward;
    // A firewall reload wipes Dockhand's chain: the node notices within seconds and applies it again.
    await lab.runInHost('iptables', ['-w', '-F', chain]);
    await waitFor('the policy to be applied again', async () => ((await lab.runInHost('iptables', ['-w', '-S', chain])).stdout.includes('dockhand-egress-') ? true : undefined), 30_000);

    await lab.restartEngine();
    await waitFor('the engine to answer the worker again', async () => ((await worker.runtime.ping().then(() => true))));
    const { result } = await probe('probe', everyTarget());
    expect(result['public']).toBe(`open: served-by ${LAB.PUBLIC_WEB}`);
    for (const refused of ['private', 'metadata', 'host api via gateway', 'host service via gateway', 'rogue resolver udp']) {
      expect(result[refused], `${refused} after the restart`).toMatch(/^refused/);
    }
  }, 180_000);

  it('held back by a node that cannot enforce it, whose task says why', async () => {
    // A worker on this machine's own network namespace cannot filter the lab engine's bridge.
    const blind = await startWorkerRole(fleet.ctx, { clusters: ['blind'], concurrency: 1, nodeId: `blind-${fleet.prefix.split(':')[1]}`, docker: lab.docker, watchdog: false });
    try {
      const [node] = (await fleet.client.nodes.list()).filter((n) => n.id === blind.nodeId);
      expect(node?.egress?.mode).toBe('unavailable');
      const queued = await fleet.client.tasks.queue('probe', { cluster: 'blind', payload: { tcp: {} } });
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const waiting = await fleet.client.tasks.get(queued.id);
      expect(waiting.status).toBe('queued');
      expect(waiting.wait_reason).toMatch(/network access and no running node of cluster "blind" can enforce the egress policy .*not on this machine/);
      await fleet.client.tasks.cancel(queued.id);
    } finally {
      await blind.stop({ drainTimeoutMs: 1000 });
    }
  });
});
