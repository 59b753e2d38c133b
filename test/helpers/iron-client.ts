/**
 * The official IronWorker Node client, `iron_worker@0.1.8`, installed from npm as published (the only
 * change is the npm `overrides` entry that lifts its zip library, adm-zip 0.4.4, to 0.5.16: the old one
 * throws RangeError on Node 20). The install is cached under the data dir, keyed by version, so only
 * the first run pays for it. Calls run in a child process, as a user's script would, configured only
 * through IRON_* environment variables.
 *
 *   const client = await IronClient.install();
 *   const iron = client.session(runDir, { url, token, projectId });
 *   const task = await iron.call('tasksCreate', 'hello', { n: 1 }, { priority: 2 });
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './cli.ts';

const execFileAsync = promisify(execFile);

export const IRON_WORKER_VERSION = '0.1.8';
const ADM_ZIP_OVERRIDE = '0.5.16';
const DRIVER = path.join(REPO_ROOT, 'test/fixtures/ironworker/driver.cjs');

export interface IronTarget {
  url: string;
  token: string;
  projectId: string;
}

export class IronCallError extends Error {}

export class IronClient {
  private constructor(readonly nodeModules: string) {}

  /** The package directory of the installed client (holds its `upload_files/`). */
  get packageDir(): string {
    return path.join(this.nodeModules, 'iron_worker');
  }

  static async install(): Promise<IronClient> {
    const dataDir = path.resolve(process.env.DOCKHAND_DATA_DIR ?? path.join(os.tmpdir(), 'dockhand-test-cache'));
    const home = path.join(dataDir, 'cache', `iron_worker-${IRON_WORKER_VERSION}-adm-zip-${ADM_ZIP_OVERRIDE}`);
    const installed = path.join(home, 'node_modules');
    if (await isInstalled(installed)) return new IronClient(installed);

    await mkdir(path.dirname(home), { recursive: true });
    const staging = await mkdtemp(`${home}.staging-`);
    try {
      const manifest = {
        name: 'ironworker-client-under-test',
        private: true,
        dependencies: { iron_worker: IRON_WORKER_VERSION },
        overrides: { 'adm-zip': ADM_ZIP_OVERRIDE },
      };
      await writeFile(path.join(staging, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
      await execFileAsync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: staging, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 });
      // Another run may have finished first; either copy is the same install.
      await rename(staging, home).catch(async () => rm(staging, { recursive: true, force: true }));
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      throw err;
    }
    if (!(await isInstalled(installed))) throw new Error(`iron_worker@${IRON_WORKER_VERSION} did not install into ${home}`);
    return new IronClient(installed);
  }

  /**
   * A directory to run the client in. The client's `codesUpload` copies `./upload_files` (the runner it
   * ships) into the package it zips, so the session's directory holds a copy of it, as a user's
   * project would.
   */
  async session(target: IronTarget): Promise<IronSession> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-iron-'));
    await cp(path.join(this.packageDir, 'upload_files'), path.join(dir, 'upload_files'), { recursive: true });
    return new IronSession(this, dir, target);
  }
}

export class IronSession {
  constructor(private readonly client: IronClient, readonly dir: string, private readonly target: IronTarget) {}

  /** Calls `client[method](...args, cb)` and resolves with what the callback got, or rejects with its error. */
  async call<T = any>(method: string, ...args: unknown[]): Promise<T> {
    const outcome = await this.attempt<T>(method, ...args);
    if (outcome.error !== null) throw new IronCallError(`${method} failed: ${outcome.error}`);
    return outcome.result as T;
  }

  /** Like `call`, but hands back the client's error message instead of throwing it. */
  async attempt<T = any>(method: string, ...args: unknown[]): Promise<{ error: string | null; result: T | null }> {
    const url = new URL(this.target.url);
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      NODE_PATH: this.client.nodeModules,
      // The client also reads ~/.iron.json and ./iron.json; a home of its own keeps the machine's out.
      HOME: this.dir,
      IRON_SCHEME: url.protocol.replace(':', ''),
      IRON_HOST: url.hostname,
      IRON_PORT: url.port,
      IRON_TOKEN: this.target.token,
      IRON_PROJECT_ID: this.target.projectId,
    };
    const { stdout } = await execFileAsync(process.execPath, [DRIVER, JSON.stringify([method, ...args])], { cwd: this.dir, env, timeout: 110_000, maxBuffer: 16 * 1024 * 1024 });
    return JSON.parse(stdout) as { error: string | null; result: T | null };
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

async function isInstalled(nodeModules: string): Promise<boolean> {
  const manifest = path.join(nodeModules, 'iron_worker', 'package.json');
  if (!existsSync(manifest)) return false;
  return (JSON.parse(await readFile(manifest, 'utf8')) as { version?: string }).version === IRON_WORKER_VERSION;
}
