/**
 * The worker's side of its dead-man's switch (see watchdog-main.ts): starts the watchdog process and
 * tells it, after every successful heartbeat, how long the node's leases are surely valid. `bye()`
 * before a clean exit, so the watchdog leaves without killing anything.
 *
 *   const watchdog = Watchdog.start('node-a', logger);
 *   watchdog.renew(6000);  ...  await watchdog.bye();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Logger } from '../telemetry/logger.ts';

/** Compiled (the installed package) the watchdog is plain JavaScript; from a checkout it runs through tsx. */
const COMPILED = import.meta.url.endsWith('.js');
export const WATCHDOG_MAIN = fileURLToPath(new URL(COMPILED ? './watchdog-main.js' : './watchdog-main.ts', import.meta.url));

/** How node starts the watchdog's main module: directly when compiled, else through tsx's loader. */
export function watchdogNodeArguments(): string[] {
  if (COMPILED) return [WATCHDOG_MAIN];
  return ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href, WATCHDOG_MAIN];
}

/** What a worker needs of its watchdog, whether a process (this file) or a container (watchdog-container.ts). */
export interface DeadMansSwitch {
  /** The node's leases are valid for at least this long from now. */
  renew(validForMs: number): void;
  /** A clean stop: the watchdog exits without killing anything. */
  bye(): Promise<void>;
}

export class Watchdog implements DeadMansSwitch {
  private child: ChildProcess;
  private closing = false;

  private constructor(private readonly nodeId: string, private readonly logger: Logger, private readonly dockerHost: string | undefined) {
    this.child = this.spawn();
  }

  /** `dockerHost`: the engine the node runs tasks on, when it is not the one DOCKER_HOST names. */
  static start(nodeId: string, logger: Logger, dockerHost?: string): Watchdog {
    return new Watchdog(nodeId, logger, dockerHost);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private spawn(): ChildProcess {
    const env = this.dockerHost ? { ...process.env, DOCKER_HOST: this.dockerHost } : process.env;
    const child = spawn(process.execPath, [...watchdogNodeArguments(), this.nodeId], { stdio: ['pipe', 'ignore', 'inherit'], env });
    child.stdin?.on('error', () => undefined);
    child.on('exit', (code, signal) => {
      if (this.closing) return;
      // Without it a dead worker's containers would outlive it; start another at once.
      this.logger.error({ node_id: this.nodeId, code, signal }, 'watchdog process ended; starting it again');
      this.child = this.spawn();
    });
    return child;
  }

  /** The node's leases are valid for at least this long from now. */
  renew(validForMs: number): void {
    this.child.stdin?.write(`${JSON.stringify({ validForMs: Math.max(0, Math.round(validForMs)) })}\n`);
  }

  /** A clean stop: the watchdog exits without killing anything. */
  async bye(): Promise<void> {
    this.closing = true;
    const exited = new Promise<void>((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) resolve();
      else this.child.once('exit', () => resolve());
    });
    this.child.stdin?.end(`${JSON.stringify({ bye: true })}\n`);
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
  }
}
