/**
 * The package as a user gets it: `npm pack` of this checkout (which compiles dist/ first), installed
 * with `npm install` into an empty project in a temporary directory. Child processes run on the Node
 * running the tests (so CI's Node 24 run checks the package on Node 24), `npx` included.
 *
 *   const project = await installPackedPackage();
 *   await project.node('main.mjs', env);
 *   await project.remove();
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, type CliResult } from './cli.ts';

const execFileAsync = promisify(execFile);

export interface InstalledProject {
  dir: string;
  /** Writes a file into the project. */
  write(name: string, content: string): Promise<void>;
  /** Runs a command in the project with this Node first on PATH. */
  run(command: string, args: string[], env?: Record<string, string>): Promise<CliResult>;
  remove(): Promise<void>;
}

function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env['PATH'] ?? ''}`, npm_config_update_notifier: 'false', ...extra };
}

async function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await execFileAsync(command, args, { cwd, env: childEnv(env), timeout: 600_000, maxBuffer: 32 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code?: unknown; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? String(err) };
  }
}

async function mustRun(command: string, args: string[], cwd: string): Promise<string> {
  const result = await run(command, args, cwd);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.code}):\n${result.stderr}\n${result.stdout}`);
  return result.stdout;
}

export async function installPackedPackage(): Promise<InstalledProject> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-consumer-'));
  // --json: the tarball's name is the last thing npm says; the build's output goes to stderr.
  const packed = JSON.parse(await mustRun('npm', ['pack', '--json', '--pack-destination', dir], REPO_ROOT)) as Array<{ filename: string }>;
  const tarball = path.join(dir, packed[0]!.filename);
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'dockhand-consumer', private: true, version: '1.0.0' }, null, 2));
  // Everything it depends on is in npm's cache already (this checkout installed it): no network needed.
  await mustRun('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], dir);
  return {
    dir,
    write: (name, content) => writeFile(path.join(dir, name), content),
    run: (command, args, env = {}) => run(command, args, dir, env),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
