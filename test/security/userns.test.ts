/**
 * Dockhand on an engine that remaps user namespaces (dockerd --userns-remap=default, as
 * docs/security.md recommends): an engine of the test's own, with its own data root, exec root,
 * socket and network namespace; the stack image is loaded into it. A task runs there through a worker
 * pointed at it: as the task user, on its tmpfs mounts, with its log and result captured, and a custom
 * image (derived on that engine) runs too. The container's uid 0 is an unprivileged host uid.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkerRole, type WorkerRole } from '../../src/roles/worker-role.ts';
import { startFleet, type TestFleet } from '../helpers/fleet.ts';
import { startSecondEngine, type SecondEngine } from '../helpers/second-engine.ts';
import { uploadScript } from '../helpers/security.ts';

const STACK_IMAGE = 'dockhand/stack-shell:latest';

let fleet: TestFleet;
let engine: SecondEngine;
let worker: WorkerRole;

beforeAll(async () => {
  engine = await startSecondEngine({ images: [STACK_IMAGE], daemonArgs: ['--userns-remap=default'] });
  fleet = await startFleet({ worker: false });
  worker = await startWorkerRole(fleet.ctx, { clusters: ['remapped'], concurrency: 2, nodeId: `userns-${fleet.prefix.split(':')[1]}`, docker: engine.docker, watchdog: false });
}, 300_000);

afterAll(async () => {
  await worker?.stop({ drainTimeoutMs: 1000 });
  await fleet?.stop();
  await engine?.stop();
}, 120_000);

describe('an engine that remaps user namespaces', () => {
  it('is shown as remapped by its node', async () => {
    const [node] = (await fleet.client.nodes.list()).filter((n) => n.id === worker.nodeId);
    expect(node?.userns_remap).toBe(true);
  });

  it('runs a task as the task user on its tmpfs mounts, with its log and result, in a remapped namespace', async () => {
    await uploadScript(fleet, 'remapped', [
      'echo "uid $(id -u) gid $(id -g)"',
      'echo "uid_map $(tr -s " " < /proc/self/uid_map)"',
      'echo data > "$TASK_DIR/written" && echo "task dir writable"',
      'echo data > /tmp/written && echo "tmp writable"',
      'ls -ld /task /tmp /run/dockhand | awk \'{print "mount", $1, $3, $NF}\'',
      'printf \'{"word": "%s"}\' "$(jq -r .word "$PAYLOAD_FILE")" > "$RESULT_FILE"',
    ].join('\n'));
    const queued = await fleet.client.tasks.queue('remapped', { cluster: 'remapped', payload: { word: 'remapped' } });
    const task = await fleet.client.tasks.wait(queued.id, { timeoutMs: 90_000 });
    const log = await fleet.client.tasks.log(task.id);
    expect(task.status, `${task.msg ?? ''}\n${log}`).toBe('complete');
    expect(task.result).toEqual({ word: 'remapped' });
    expect(log).toContain('uid 1000 gid 1000');
    expect(log).toContain('task dir writable');
    expect(log).toContain('tmp writable');
    // Container uid 0 maps to a host uid that is not 0: the second wall is up.
    // The kernel pads the map's columns with spaces, so the line may start with one.
    const map = /uid_map\s+(\d+)\s+(\d+)\s+(\d+)/.exec(log);
    expect(map?.[1]).toBe('0');
    expect(Number(map?.[2])).toBeGreaterThan(0);
  });

  it('runs a custom image, derived on that engine', async () => {
    await fleet.client.codes.upload(undefined, { name: 'remapped-image', image: STACK_IMAGE, command: 'echo "custom image as $(id -u)"; printf \'{"ok": true}\' > "$RESULT_FILE"', timeout: 30, memory: 64 });
    const queued = await fleet.client.tasks.queue('remapped-image', { cluster: 'remapped' });
    const task = await fleet.client.tasks.wait(queued.id, { timeoutMs: 120_000 });
    const log = await fleet.client.tasks.log(task.id);
    expect(task.status, `${task.msg ?? ''}\n${log}`).toBe('complete');
    expect(log).toContain('custom image as 1000');
    expect(task.result).toEqual({ ok: true });
  });
});
