/**
 * Hostile tasks: each case uploads a script that attacks its container, the node or its neighbours,
 * runs it through the real fleet (API, queue, worker, Docker), and asserts both that the attack was
 * contained and that an ordinary task queued right behind it completes promptly. One fleet for the
 * file, with DOCKHAND_RUNTIME=runc so the worker's runtime check and the per-container runtime check
 * are exercised on every task.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import Docker from 'dockerode';
import tarFs from 'tar-fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/core/limits.ts';
import { parseSettings } from '../../src/core/settings.ts';
import { startWorkerRole } from '../../src/roles/worker-role.ts';
import { createContext } from '../../src/service/context.ts';
import { Dockhand } from '../../src/sdk/index.ts';
import { tarOf } from '../fixtures/archives/tar-fixtures.ts';
import { startFleet, type TestFleet } from '../helpers/fleet.ts';
import { containersOfTask, expectFleetStillServes, runToEnd, uploadOrdinary, uploadScript, waitForStatus } from '../helpers/security.ts';

const docker = new Docker();
let fleet: TestFleet;

beforeAll(async () => {
  fleet = await startFleet({ concurrency: 3, env: { DOCKHAND_RUNTIME: 'runc' } });
  await uploadOrdinary(fleet);
});

afterAll(async () => {
  await fleet?.stop();
});

/** Runs the attack with the ordinary task queued right behind it, and returns the attack's end. */
async function attackThenServe(code: string, options: { timeout?: number } = {}): Promise<Awaited<ReturnType<typeof runToEnd>>> {
  const attack = runToEnd(fleet, code, options);
  // Give the attack a head start so the ordinary task meets it at full strength.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await expectFleetStillServes(fleet);
  const ended = await attack;
  expect(await containersOfTask(ended.task.id)).toEqual([]);
  return ended;
}

describe('hostile tasks are contained and the node keeps serving', () => {
  it('fork bomb: stops at the pids limit', async () => {
    await uploadScript(fleet, 'fork-bomb', [
      'bomb() { bomb | bomb & }',
      'bomb 2>/dev/null',
      '# builtins only from here on: every fork fails once the bomb fills the pids limit',
      'SECONDS=0; while [ $SECONDS -lt 3 ]; do :; done',
      // Zombies waiting for tini have left the pids cgroup already (pids.max counts live tasks): count the rest.
      'n=0; for p in /proc/[0-9]*; do read -r _ _ state _ < "$p/stat" 2>/dev/null && [ "$state" != Z ] && n=$((n + 1)); done; echo "processes: $n"',
      'while :; do :; done',
    ].join('\n'));
    const { task, log } = await attackThenServe('fork-bomb', { timeout: 6 });
    expect(task.status).toBe('timeout');
    const processes = Number(/processes: (\d+)/.exec(log)?.[1]);
    expect(processes).toBeGreaterThan(LIMITS.pidsLimit / 2);
    expect(processes).toBeLessThanOrEqual(LIMITS.pidsLimit);
  });

  it('memory balloon: killed at the memory limit and recorded as out of memory', async () => {
    await uploadScript(fleet, 'balloon', 'echo inflating\ndata=x\nwhile :; do data="$data$data"; done', { memory: 32 });
    const { task, log } = await attackThenServe('balloon');
    expect(task).toMatchObject({ status: 'error', error_class: 'OOM' });
    expect(task.msg).toMatch(/out of memory \(limit 32 MB\)/);
    expect(log).toContain('inflating');
  });

  it('/tmp fill: the tmpfs size cap ends the write with "No space left on device"', async () => {
    await uploadScript(fleet, 'tmp-fill', 'dd if=/dev/zero of=/tmp/fill bs=1M count=1024 2>&1 | head -1\necho "size: $(stat -c %s /tmp/fill)"');
    const { task, log } = await attackThenServe('tmp-fill');
    expect(task.status).toBe('complete');
    expect(log).toContain('No space left on device');
    expect(Number(/size: (\d+)/.exec(log)?.[1])).toBeLessThanOrEqual(LIMITS.tmpSizeBytes);
  });

  it('/tmp inode storm: empty files stop at the tmpfs inode cap', async () => {
    await uploadScript(fleet, 'inode-storm', 'i=0\nwhile : > "/tmp/f$i" 2>/dev/null; do i=$((i+1)); done\necho "files: $i"');
    const { task, log } = await attackThenServe('inode-storm');
    expect(task.status).toBe('complete');
    const files = Number(/files: (\d+)/.exec(log)?.[1]);
    expect(files).toBeGreaterThan(LIMITS.tmpInodes / 2);
    expect(files).toBeLessThan(LIMITS.tmpInodes);
  });

  it('writable-layer fill: the root is read-only, nothing lands in the container layer, and only the tmpfs mounts are writable', async () => {
    await uploadScript(fleet, 'layer-fill', [
      'for d in / /etc /usr /var /var/tmp /var/cache /opt /home /srv /usr/local/bin /var/lib; do',
      '  dd if=/dev/zero of="$d/fill" bs=1M count=64 2>&1 | head -1',
      'done',
      'for m in $(awk \'{print $2}\' /proc/mounts | sort -u); do',
      '  if ( : > "$m/.probe-$$" ) 2>/dev/null; then echo "writable: $m"; rm -f "$m/.probe-$$"; fi',
      'done',
      'echo "attempts done"',
      'sleep 30',
    ].join('\n'));
    const queued = await fleet.client.tasks.queue('layer-fill', {});
    let log = '';
    for (let i = 0; i < 200 && !log.includes('attempts done'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      log = await fleet.client.tasks.log(queued.id);
    }
    expect(log).toContain('attempts done');
    // While it runs, the container's own layer holds no change but the engine's own init binary.
    const [container] = await docker.listContainers({ filters: { label: [`dockhand.task=${queued.id}`] } });
    expect(container).toBeDefined();
    const engineInit = new Set(['/usr', '/usr/sbin', '/usr/sbin/docker-init']);
    const changes = ((await docker.getContainer(container!.Id).changes()) ?? []) as Array<{ Path: string }>;
    expect(changes.filter((change) => !engineInit.has(change.Path))).toEqual([]);
    await fleet.client.tasks.cancel(queued.id);
    await expectFleetStillServes(fleet);

    expect(log.match(/Read-only file system/g)?.length).toBe(11);
    const writable = [...log.matchAll(/^writable: (.*)$/gm)].map((m) => m[1]).sort();
    // /dev/mqueue is the private IPC namespace's message-queue mount, bounded by RLIMIT_MSGQUEUE.
    expect(writable).toEqual(['/dev/mqueue', '/dev/shm', '/run/dockhand', '/task', '/tmp']);
    expect(await containersOfTask(queued.id)).toEqual([]);
  });

  it('/dev/shm fill: stops at the shm size', async () => {
    await uploadScript(fleet, 'shm-fill', 'dd if=/dev/zero of=/dev/shm/fill bs=1M count=1024 2>&1 | head -1\necho "size: $(stat -c %s /dev/shm/fill)"');
    const { task, log } = await attackThenServe('shm-fill');
    expect(task.status).toBe('complete');
    expect(log).toContain('No space left on device');
    expect(Number(/size: (\d+)/.exec(log)?.[1])).toBeLessThanOrEqual(LIMITS.shmSizeBytes);
  });

  it('log flood with newlines: killed at the log cap, the stored log stays within it', async () => {
    await uploadScript(fleet, 'flood-lines', 'yes "flooding the log with line after line"');
    const { task, log } = await attackThenServe('flood-lines');
    expect(task).toMatchObject({ status: 'error', error_class: 'Log Limit' });
    expect(Buffer.byteLength(log)).toBeLessThanOrEqual(LIMITS.logCapBytes + 4096);
    expect(log).toContain('flooding the log');
  });

  it('log flood without newlines: one endless line is cut at the same cap', async () => {
    await uploadScript(fleet, 'flood-one-line', "head -c 200M /dev/zero | tr '\\0' x");
    const { task, log } = await attackThenServe('flood-one-line');
    expect(task).toMatchObject({ status: 'error', error_class: 'Log Limit' });
    expect(Buffer.byteLength(log)).toBeLessThanOrEqual(LIMITS.logCapBytes + 4096);
    expect(log).toMatch(/^x{1000}/);
  });

  it('a task ignoring SIGTERM past its timeout: SIGKILLed at the deadline, without a stop grace period', async () => {
    await uploadScript(fleet, 'sigterm-ignorer', "trap 'echo ignoring TERM' TERM\necho started\nwhile :; do sleep 0.2; done");
    const { task, log } = await attackThenServe('sigterm-ignorer', { timeout: 2 });
    expect(task.status).toBe('timeout');
    expect(task.exit_code).toBe(137);
    expect(log).toContain('started');
    expect(log).not.toContain('ignoring TERM');
    // Docker's stop would wait 10 s after SIGTERM; the deadline kill does not.
    expect(task.duration).toBeLessThan(2000 + 10_000);
  });

  it('zombie storm: unreaped children are orphaned to tini, which reaps them', async () => {
    await uploadScript(fleet, 'zombies', [
      'count() { local z=0 s; for s in /proc/[0-9]*/stat; do read -r s < "$s" 2>/dev/null && [[ $s == *") Z "* ]] && z=$((z+1)); done; echo "$z"; }',
      "bash -c 'for i in $(seq 200); do sleep 0.5 & done; exec sleep 60' &",
      'parent=$!',
      'sleep 3',
      'echo "zombies: $(count)"',
      'kill -9 "$parent"',
      // Polled: tini reaps them as it gets the CPU, which under the task's CPU quota may take a moment.
      'for i in $(seq 10); do z=$(count); [ "$z" -eq 0 ] && break; sleep 0.5; done',
      'echo "zombies after the parent died: $z"',
    ].join('\n'));
    const { task, log } = await attackThenServe('zombies');
    expect(task.status).toBe('complete');
    // How many of the 200 exist after 3 s depends on how fast the CPU quota lets the shell fork; a storm is dozens.
    expect(Number(/^zombies: (\d+)/m.exec(log)?.[1])).toBeGreaterThanOrEqual(20);
    expect(Number(/zombies after the parent died: (\d+)/.exec(log)?.[1])).toBe(0);
  });

  it('network egress from a network-less task: only loopback exists and every connection is unreachable', async () => {
    await uploadScript(fleet, 'egress', [
      "awk 'NR>2 {print \"interface\", $1}' /proc/net/dev",
      'for target in 1.1.1.1/53 172.17.0.1/6390 172.17.0.1/2375 10.0.0.1/80; do',
      '  if (exec 3<>"/dev/tcp/$target") 2>/dev/null; then echo "CONNECTED $target"; else echo "unreachable $target"; fi',
      'done',
      '(exec 3<>/dev/tcp/1.1.1.1/53) 2>&1 | head -1',
    ].join('\n'));
    const { task, log } = await attackThenServe('egress');
    expect(task.status).toBe('complete');
    expect([...log.matchAll(/^interface (.*)$/gm)].map((m) => m[1])).toEqual(['lo:']);
    expect(log).not.toContain('CONNECTED');
    expect(log.match(/^unreachable /gm)?.length).toBe(4);
    expect(log).toContain('Network is unreachable');
  });

  it('DNS from a network-less task: no name resolves', async () => {
    await uploadScript(fleet, 'dns', [
      'for name in deb.debian.org registry-1.docker.io host.docker.internal; do',
      '  if getent hosts "$name"; then echo "RESOLVED $name"; else echo "no answer for $name"; fi',
      'done',
    ].join('\n'));
    const { task, log } = await attackThenServe('dns');
    expect(task.status).toBe('complete');
    expect(log).not.toContain('RESOLVED');
    expect(log.match(/^no answer for /gm)?.length).toBe(3);
  });

  it('looking for the Docker socket: there is none, by path, by search or by TCP', async () => {
    await uploadScript(fleet, 'docker-socket', [
      'for p in /var/run/docker.sock /run/docker.sock /var/run/containerd/containerd.sock /run/containerd/containerd.sock; do',
      '  [ -e "$p" ] && echo "FOUND $p" || echo "absent $p"',
      'done',
      'find / \\( -path /proc -o -path /sys \\) -prune -o -type s -print 2>/dev/null | sed "s/^/SOCKET /"',
      'env | grep -i docker | sed "s/^/ENV /"',
      '(exec 3<>/dev/tcp/127.0.0.1/2375) 2>/dev/null && echo "FOUND tcp 2375" || echo "absent tcp 2375"',
    ].join('\n'));
    const { task, log } = await attackThenServe('docker-socket');
    expect(task.status).toBe('complete');
    expect(log.match(/^absent /gm)?.length).toBe(5);
    expect(log).not.toMatch(/FOUND|SOCKET|ENV/);
  });

  it('a setuid binary: su, passwd and mount stay unprivileged, and an uploaded setuid bit is stripped on a nosuid mount', async () => {
    // The archive marks a script setuid root and setgid; canonicalization strips both before storage.
    const archive = gzipSync(await tarOf([
      { name: 'main.sh', mode: 0o755, content: [
        '#!/bin/bash',
        'echo "mode: $(stat -c %a /task/escalate.sh)"',
        'grep " /task " /proc/mounts | grep -q nosuid && echo "task mount: nosuid"',
        'grep -E "^(NoNewPrivs|CapEff)" /proc/self/status',
        'su -c id root </dev/null >/dev/null 2>&1; echo "su exit $?"',
        'passwd -d root </dev/null >/dev/null 2>&1; echo "passwd exit $?"',
        '# util-linux mount refuses when its effective uid is not 0: the setuid bit gave it nothing',
        'mount -t tmpfs none /tmp 2>&1 | head -1',
      ].join('\n') },
      { name: 'escalate.sh', mode: 0o6755, content: '#!/bin/sh\nid -u\n' },
    ]));
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-sec-'));
    try {
      await writeFile(path.join(dir, 'setuid.tar.gz'), archive);
      await fleet.client.codes.upload(path.join(dir, 'setuid.tar.gz'), { name: 'setuid', stack: 'shell', timeout: 20, memory: 64 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const { task, log } = await attackThenServe('setuid');
    expect(task.status).toBe('complete');
    expect(log).toContain('mode: 755');
    expect(log).toContain('task mount: nosuid');
    expect(log).toMatch(/NoNewPrivs:\s+1/);
    expect(log).toMatch(/CapEff:\s+0{16}/);
    expect(log).toContain('su exit 1');
    expect(log).not.toContain('passwd exit 0');
    expect(log).toContain('must be superuser');
  });

  it('writing outside TASK_DIR: through .., absolute paths, a planted symlink, /proc and /sys, every write is refused', async () => {
    await uploadScript(fleet, 'escape-writes', [
      'cd "$TASK_DIR"',
      'ln -s /etc /task/etc-link',
      'for target in ../etc/passwd ../../usr/bin/env /etc/hosts /usr/local/bin/evil /home/evil /root/evil /var/tmp/evil /opt/evil etc-link/evil /proc/sys/kernel/hostname /sys/kernel/uevent_helper /proc/sysrq-trigger; do',
      '  if (echo owned > "$target") 2>/dev/null; then echo "WROTE $target"; else echo "refused $target"; fi',
      'done',
      'echo inside > "$TASK_DIR/ok.txt" && echo "task dir still writable"',
    ].join('\n'));
    const { task, log } = await attackThenServe('escape-writes');
    expect(task.status).toBe('complete');
    expect(log).not.toContain('WROTE');
    expect(log.match(/^refused /gm)?.length).toBe(12);
    expect(log).toContain('task dir still writable');
  });

  it("reading another task's files or environment: a concurrent task of another project sees none of them", async () => {
    const secret = `KEEPER-${randomBytes(12).toString('hex')}`;
    await uploadScript(fleet, 'keeper', [
      'for f in "$TASK_DIR/secret.txt" /tmp/secret.txt /dev/shm/secret.txt; do echo "$KEEPER_SECRET" > "$f"; done',
      'echo ready',
      'sleep 60',
    ].join('\n'), { env_vars: { KEEPER_SECRET: secret } });
    const keeper = await fleet.client.tasks.queue('keeper', { payload: { secret } });

    // The snoop belongs to a second project (another tenant) and runs while the keeper runs.
    const other = await fleet.ctx.projects.create('snooper');
    const snoopClient = new Dockhand({ url: fleet.url, token: other.token });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-sec-'));
    try {
      await writeFile(path.join(dir, 'main.sh'), [
        '#!/bin/bash',
        'for p in /proc/[0-9]*; do echo "process ${p#/proc/}: $(tr "\\0" " " < "$p/cmdline" 2>/dev/null)"; tr "\\0" "\\n" < "$p/environ" 2>/dev/null; done',
        'for d in /task /tmp /dev/shm /run/dockhand /dev/mqueue; do ls -la "$d"; cat "$d"/* 2>/dev/null; done',
        'cat /proc/sysvipc/shm 2>/dev/null',
        'echo "snoop done"',
      ].join('\n'));
      await snoopClient.codes.upload(dir, { name: 'snoop', stack: 'shell', timeout: 20, memory: 64 });
      await uploadOrdinary(snoopClient);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    let keeperLog = '';
    for (let i = 0; i < 200 && !keeperLog.includes('ready'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      keeperLog = await fleet.client.tasks.log(keeper.id);
    }
    expect(keeperLog).toContain('ready');

    const snoop = await snoopClient.tasks.queue('snoop', {});
    const done = await snoopClient.tasks.wait(snoop.id, { timeoutMs: 60_000 });
    const snoopLog = await snoopClient.tasks.log(snoop.id);
    expect((await fleet.client.tasks.get(keeper.id)).status).toBe('running');
    expect(done.status).toBe('complete');
    expect(snoopLog).toContain('snoop done');
    expect(snoopLog).not.toContain(secret);
    expect(snoopLog).not.toContain('secret.txt');
    expect(snoopLog).not.toContain('KEEPER_SECRET');
    // Only the snoop's own processes: tini, the entry script, bash and what it ran.
    expect(snoopLog).not.toMatch(/process \d+: .*sleep 60/);
    await fleet.client.tasks.cancel(keeper.id);
    await expectFleetStillServes(fleet);
    await expectFleetStillServes(fleet, snoopClient);
  });

  it('raw sockets: opening raw and packet sockets is refused without CAP_NET_RAW', async () => {
    await uploadPython(fleet.client, 'raw-sockets', [
      'import socket',
      'for name, args in [("raw icmp", (socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)), ("raw tcp", (socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)), ("packet", (socket.AF_PACKET, socket.SOCK_RAW, 0))]:',
      '    try:',
      '        socket.socket(*args).close()',
      '        print(name, "OPENED")',
      '    except PermissionError as err:',
      '        print(name, "refused:", err.strerror)',
    ]);
    const { task, log } = await attackThenServe('raw-sockets');
    expect(task.status).toBe('complete');
    expect(log).not.toContain('OPENED');
    expect(log.match(/refused: Operation not permitted/g)?.length).toBe(3);
  });

  it('mount and other capabilities: every capability set is empty; mount, unshare, chown and mknod fail', async () => {
    await uploadScript(fleet, 'capabilities', [
      "grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb)' /proc/self/status",
      'mkdir -p /tmp/m',
      'mount -t tmpfs none /tmp/m 2>&1 | head -1; echo "mount exit ${PIPESTATUS[0]}"',
      'unshare --user --map-root-user --mount true 2>&1; echo "unshare exit $?"',
      'touch /tmp/owned; chown 0:0 /tmp/owned 2>&1; echo "chown exit $?"',
      'mknod /tmp/mem c 1 1 2>&1; echo "mknod exit $?"',
      'hostname evil 2>&1; echo "hostname exit $?"',
    ].join('\n'));
    const { task, log } = await attackThenServe('capabilities');
    expect(task.status).toBe('complete');
    expect(log.match(/^Cap(Inh|Prm|Eff|Bnd|Amb):\s+0{16}$/gm)?.length).toBe(5);
    for (const op of ['mount', 'unshare', 'chown', 'mknod', 'hostname']) expect(log).toMatch(new RegExp(`^${op} exit [1-9]`, 'm'));
    expect(log).toContain('must be superuser');
    expect(log).toContain('Operation not permitted');
  });

  it('no task runs unconfined: its seccomp filter is on, no new privileges, and AppArmor confines it where the engine has it', async () => {
    await uploadScript(fleet, 'confined', [
      'grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status',
      'echo "lsm: $(cat /proc/self/attr/current 2>/dev/null || echo none)"',
    ].join('\n'));
    const { task, log } = await runToEnd(fleet, 'confined');
    expect(task.status, log).toBe('complete');
    // 2 is SECCOMP_MODE_FILTER: the engine's default profile is loaded, not switched off.
    expect(log).toMatch(/^Seccomp:\s+2$/m);
    expect(log).toMatch(/^NoNewPrivs:\s+1$/m);
    const info = (await docker.info()) as { SecurityOptions?: string[] };
    if ((info.SecurityOptions ?? []).some((opt) => opt.includes('name=apparmor'))) expect(log).toMatch(/^lsm: docker-default \(enforce\)$/m);
    else expect(log).not.toMatch(/^lsm: unconfined/m);
  });

  it("network-enabled tasks of two tenants: neither reaches the other's listening port", async () => {
    const network = await docker.getNetwork(fleet.ctx.settings.DOCKHAND_TASK_NETWORK).inspect();
    expect(network.Options?.['com.docker.network.bridge.enable_icc']).toBe('false');
    await uploadPython(fleet.client, 'listener', [
      'import http.server, socket, threading, time',
      'ip = socket.gethostbyname(socket.gethostname())',
      "server = http.server.HTTPServer(('0.0.0.0', 8000), http.server.SimpleHTTPRequestHandler)",
      'threading.Thread(target=server.serve_forever, daemon=True).start()',
      'socket.create_connection((ip, 8000), timeout=2).close()',
      "print('listening on', ip, 'and reachable from inside', flush=True)",
      'time.sleep(60)',
    ], { network: true });
    const listener = await fleet.client.tasks.queue('listener', {});
    let log = '';
    for (let i = 0; i < 200 && !log.includes('reachable from inside'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      log = await fleet.client.tasks.log(listener.id);
    }
    const ip = /listening on (\S+)/.exec(log)?.[1];
    expect(ip, log).toMatch(/^\d+\.\d+\.\d+\.\d+$/);

    const other = await fleet.ctx.projects.create('prober');
    const prober = new Dockhand({ url: fleet.url, token: other.token });
    await uploadPython(prober, 'probe', [
      'import json, os, socket',
      "ip = json.load(open(os.environ['PAYLOAD_FILE']))['ip']",
      'try:',
      '    socket.create_connection((ip, 8000), timeout=3).close()',
      "    print('CONNECTED to', ip)",
      'except OSError as err:',
      "    print('blocked:', type(err).__name__)",
    ], { network: true });
    const probe = await prober.tasks.wait((await prober.tasks.queue('probe', { payload: { ip } })).id, { timeoutMs: 60_000 });
    const probeLog = await prober.tasks.log(probe.id);
    expect((await fleet.client.tasks.get(listener.id)).status).toBe('running');
    expect(probe.status).toBe('complete');
    expect(probeLog).not.toContain('CONNECTED');
    expect(probeLog).toContain('blocked:');
    await fleet.client.tasks.cancel(listener.id);
    await expectFleetStillServes(fleet);
  });

  it('an image that declares a VOLUME (unbounded host disk): refused before start, naming the volume', async () => {
    const tag = `dockhand-sec-volume:${randomBytes(4).toString('hex')}`;
    const context = await mkdtemp(path.join(os.tmpdir(), 'dockhand-sec-'));
    try {
      await writeFile(path.join(context, 'Dockerfile'), 'FROM dockhand/stack-shell:latest\nVOLUME /data\n');
      const progress = await docker.buildImage(tarFs.pack(context) as unknown as NodeJS.ReadableStream, { t: tag });
      await new Promise((resolve, reject) => docker.modem.followProgress(progress, (err: Error | null) => (err ? reject(err) : resolve(undefined))));
      await fleet.client.codes.upload(undefined, { name: 'volume-image', image: tag, command: 'echo should never run', timeout: 20, memory: 64 });
      const { task, log } = await attackThenServe('volume-image');
      expect(task.status).toBe('error');
      expect(task.msg).toMatch(/declares VOLUME \/data/);
      expect(log).not.toContain('should never run');
    } finally {
      await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
      await rm(context, { recursive: true, force: true });
    }
  });
});

describe('the operator runtime setting', () => {
  it('stops a worker at start when DOCKHAND_RUNTIME names a runtime the engine lacks', async () => {
    const settings = parseSettings({ ...process.env, DOCKHAND_REDIS_PREFIX: `${fleet.prefix}runsc:`, DOCKHAND_DATA_DIR: fleet.dataDir, DOCKHAND_RUNTIME: 'runsc-missing', DOCKHAND_LOG_LEVEL: 'silent' });
    const ctx = await createContext(settings);
    try {
      await expect(startWorkerRole(ctx, { clusters: ['default'], concurrency: 1 })).rejects.toMatchObject({
        code: 'DH_ERR_CONFIG',
        message: expect.stringMatching(/DOCKHAND_RUNTIME.*"runsc-missing".*runc/),
      });
    } finally {
      await ctx.close();
    }
  });

  it('runs every task of a fleet with DOCKHAND_RUNTIME=runc under runc, checked after create', async () => {
    await uploadScript(fleet, 'naps', 'echo napping\nsleep 3');
    const queued = await fleet.client.tasks.queue('naps', {});
    expect((await waitForStatus(fleet, queued.id, 'running', 30_000)).status).toBe('running');
    const [container] = await docker.listContainers({ filters: { label: [`dockhand.task=${queued.id}`] } });
    expect(container).toBeDefined();
    expect((await docker.getContainer(container!.Id).inspect()).HostConfig.Runtime).toBe('runc');
    expect((await fleet.client.tasks.wait(queued.id, { timeoutMs: 30_000 })).status).toBe('complete');
  });
});

/** Uploads `lines` as the main.py of a python-3.13 package. */
async function uploadPython(client: Dockhand, name: string, lines: string[], options: { network?: boolean } = {}): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-sec-'));
  try {
    await writeFile(path.join(dir, 'main.py'), `${lines.join('\n')}\n`);
    await client.codes.upload(dir, { name, stack: 'python-3.13', timeout: 30, memory: 64, ...options });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
