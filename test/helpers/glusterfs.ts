/**
 * A real GlusterFS volume on this machine, mounted through FUSE at several mount points, with no
 * trace on the host's own glusterd: a glusterd of the test's own (its working directory in a temp
 * dir, a private /run) runs in a network namespace the test makes, with the brick's address
 * 10.217.0.1 on that namespace's loopback; the FUSE clients run in the same namespace, their mounts
 * visible on the host. Needs root, /dev/fuse and Debian's glusterfs-server.
 *
 *   const gluster = await startGlusterVolume({ mounts: 2 });
 *   await writeFile(path.join(gluster.mounts[0]!, 'a'), 'x');   // readable at gluster.mounts[1]
 *   await gluster.stop();
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { deleteNetns, listNetns, processAlive, run, tryRun } from './lab-host.ts';

const ADDRESS = '10.217.0.1';

export interface GlusterVolume {
  volume: string;
  mounts: string[];
  /** Seconds: glusterd's start, the volume's create + start, the mounts. */
  timings: Record<string, number>;
  stop(): Promise<void>;
}

export async function startGlusterVolume(options: { mounts: number }): Promise<GlusterVolume> {
  await cleanupStaleVolumes();
  const id = randomBytes(3).toString('hex');
  const dir = `/tmp/dhgl-${id}`;
  const netns = `dhgl-${id}`;
  const volume = `dhvol${id}`;
  const brick = path.join(dir, 'brick');
  const mounts = Array.from({ length: options.mounts }, (_, i) => path.join(dir, `mnt${i + 1}`));
  const timings: Record<string, number> = {};
  for (const d of [path.join(dir, 'glusterd'), path.join(dir, 'log'), brick, ...mounts]) await mkdir(d, { recursive: true });
  await writeFile(path.join(dir, 'owner.pid'), `${process.pid}\n`);
  // The stock management volume with a working directory of our own instead of /var/lib/glusterd.
  await writeFile(path.join(dir, 'glusterd.vol'), [
    'volume management',
    '    type mgmt/glusterd',
    `    option working-directory ${dir}/glusterd`,
    '    option transport-type socket',
    '    option transport.socket.listen-port 24007',
    '    option ping-timeout 0',
    '    option event-threads 1',
    'end-volume',
    '',
  ].join('\n'));

  let glusterdPid = 0;
  const gluster = (args: string[]) => run('nsenter', [`--net=/run/netns/${netns}`, `--mount=/proc/${glusterdPid}/ns/mnt`, 'gluster', '--mode=script', ...args], { timeoutMs: 120_000 });

  const stop = async (): Promise<void> => {
    if (glusterdPid > 0 && processAlive(glusterdPid)) {
      await tryRun('nsenter', [`--net=/run/netns/${netns}`, `--mount=/proc/${glusterdPid}/ns/mnt`, 'gluster', '--mode=script', 'volume', 'stop', volume, 'force'], { timeoutMs: 60_000 });
      await tryRun('nsenter', [`--net=/run/netns/${netns}`, `--mount=/proc/${glusterdPid}/ns/mnt`, 'gluster', '--mode=script', 'volume', 'delete', volume], { timeoutMs: 60_000 });
    }
    await destroyVolume(id);
  };

  const phase = async (name: string, work: () => Promise<void>): Promise<void> => {
    const started = performance.now();
    await work();
    timings[name] = Math.round(performance.now() - started) / 1000;
  };

  try {
    await run('ip', ['netns', 'add', netns]);
    await run('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
    await run('ip', ['-n', netns, 'addr', 'add', `${ADDRESS}/32`, 'dev', 'lo']);
    await phase('glusterd', async () => {
      // A private /run: glusterd's socket and its bricks' pid files stay out of the host's /run.
      const child = spawn('nsenter', [`--net=/run/netns/${netns}`, 'unshare', '--mount', '--propagation', 'slave', 'sh', '-c',
        `mount -t tmpfs tmpfs /run && exec glusterd -f ${dir}/glusterd.vol -p ${dir}/glusterd.pid -l ${dir}/log/glusterd.log`], { stdio: 'ignore' });
      await new Promise<void>((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`glusterd exited with ${code}`)))));
      // The daemon writes its pid file and answers its CLI a moment after the launcher exits.
      const deadline = Date.now() + 90_000;
      while (!(glusterdPid = Number((await readFile(path.join(dir, 'glusterd.pid'), 'utf8').catch(() => '')).trim()))) {
        if (Date.now() > deadline) throw new Error('glusterd wrote no pid file within 90 s');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      while (!(await gluster(['volume', 'list']).then(() => true, () => false))) {
        if (Date.now() > deadline) throw new Error('glusterd did not answer within 90 s');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    });
    await phase('volume', async () => {
      // `force`: the brick is on the root file system, which GlusterFS warns against for real data.
      await gluster(['volume', 'create', volume, `${ADDRESS}:${brick}`, 'force']);
      await gluster(['volume', 'start', volume]);
    });
    await phase('mounts', async () => {
      for (const m of mounts) {
        await run('nsenter', [`--net=/run/netns/${netns}`, 'mount', '-t', 'glusterfs', '-o', `log-file=${dir}/log/${path.basename(m)}.log`, `${ADDRESS}:/${volume}`, m]);
      }
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { volume, mounts, timings, stop };
}

/**
 * Unmounts, kills and deletes what is left of one volume: its FUSE mounts, glusterd, the brick process
 * and the clients (the only processes in its namespace), the namespace and the directory.
 */
async function destroyVolume(id: string): Promise<void> {
  const dir = `/tmp/dhgl-${id}`;
  const mounts = (await readFile('/proc/mounts', 'utf8')).split('\n').map((line) => line.split(' ')[1] ?? '').filter((m) => m.startsWith(`${dir}/`));
  for (const m of mounts) await tryRun('umount', ['-l', m]);
  for (const pid of (await run('ip', ['netns', 'pids', `dhgl-${id}`]).catch(() => '')).split('\n').filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone already
    }
  }
  await deleteNetns(`dhgl-${id}`);
  await rm(dir, { recursive: true, force: true });
}

/** Volumes left by a test process that died before its clean-up ran. */
async function cleanupStaleVolumes(): Promise<void> {
  for (const netns of await listNetns()) {
    if (!netns.startsWith('dhgl-')) continue;
    const id = netns.slice('dhgl-'.length);
    const owner = Number((await readFile(`/tmp/dhgl-${id}/owner.pid`, 'utf8').catch(() => '')).trim());
    if (owner > 0 && processAlive(owner)) continue;
    await destroyVolume(id);
  }
}
