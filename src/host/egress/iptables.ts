/**
 * Puts the egress policy of rules.ts in force on this host with iptables, the same program (and so
 * the same backend, nf_tables or legacy) the Docker engine uses for its own rules. Every change is one
 * `iptables-restore --noflush` batch, which the kernel commits atomically; `-w` waits for the xtables
 * lock that dockerd also takes. Changes from this process are serialised.
 *
 *   const firewall = new IptablesEgress(network);
 *   await firewall.apply();                   // idempotent; re-run whenever check() finds a problem
 *   await firewall.grant({ name, address }, [{ cidr: '10.1.2.3/32', port: 5432 }]);
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { DhError } from '../../core/errors.ts';
import { findExecutable } from '../run-command.ts';
import {
  grantBatch, parseRules, policyBatch, policyBatch6, policyProblem, policyProblem6, revokeBatch, strayGrantBatch,
  type EgressNetwork, type Grant, type RuleTable,
} from './rules.ts';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one program with optional stdin; injectable so a test can run it inside a network namespace. */
export type CommandRunner = (program: string, args: string[], input?: string) => Promise<CommandResult>;

export const runCommand: CommandRunner = (program, args, input) =>
  new Promise((resolve, reject) => {
    const child = spawn(findExecutable(program) ?? program, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    // A program that exits without reading its input (iptables --version) closes the pipe early.
    child.stdin.on('error', () => undefined);
    child.once('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });

/** Whether a network interface exists in this process's network namespace. */
export type InterfaceProbe = (name: string) => boolean;

/** /proc/net/dev lists the interfaces of the reader's own network namespace (/sys shows its mounter's). */
const localInterface: InterfaceProbe = (name) => {
  try {
    return readFileSync('/proc/net/dev', 'utf8').split('\n').some((line) => line.trimStart().startsWith(`${name}:`));
  } catch {
    return false;
  }
};

export class IptablesEgress {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly network: EgressNetwork,
    private readonly run: CommandRunner = runCommand,
    private readonly hasInterface: InterfaceProbe = localInterface,
    private readonly ipv6: boolean = existsSync('/proc/net/if_inet6'),
  ) {}

  /** `nf_tables` or `legacy`: the iptables backend this host's `iptables` uses. */
  async backend(): Promise<string> {
    const { stdout } = await this.exec('iptables', ['--version']);
    return /\((\w+)\)/.exec(stdout)?.[1] ?? 'legacy';
  }

  /** Why the policy is not in force right now, or undefined. */
  async check(): Promise<string | undefined> {
    if (!this.hasInterface(this.network.bridge)) return this.absentBridge();
    const problem = policyProblem(this.network, await this.table('iptables'));
    if (problem !== undefined || !this.ipv6) return problem;
    return policyProblem6(this.network, await this.table('ip6tables'));
  }

  /** Puts the policy in force (idempotent) and checks it; throws DH_ERR_EGRESS naming what failed. */
  apply(): Promise<void> {
    return this.serial(async () => {
      if (!this.hasInterface(this.network.bridge)) throw new DhError('DH_ERR_EGRESS', this.absentBridge());
      const table = await this.table('iptables');
      if (policyProblem(this.network, table) !== undefined) await this.restore('iptables', policyBatch(this.network, table, this.staleNetworks(table)));
      if (this.ipv6) {
        const table6 = await this.table('ip6tables');
        if (policyProblem6(this.network, table6) !== undefined) await this.restore('ip6tables', policyBatch6(this.network, table6));
      }
      const problem = policyProblem(this.network, await this.table('iptables')) ?? (this.ipv6 ? policyProblem6(this.network, await this.table('ip6tables')) : undefined);
      if (problem !== undefined) throw new DhError('DH_ERR_EGRESS', `The egress policy was written but does not read back: ${problem}.`);
    });
  }

  /** Gives one running task container exactly these extra destinations (replacing any stale grants of its address). */
  grant(container: { name: string; address: string }, grants: Grant[]): Promise<void> {
    return this.serial(async () => this.restore('iptables', grantBatch(this.network, await this.table('iptables'), container, grants)));
  }

  /** Removes a container's grants; nothing to do when it had none. */
  revoke(name: string): Promise<void> {
    return this.serial(async () => {
      const batch = revokeBatch(this.network, await this.table('iptables'), name);
      if (batch !== undefined) await this.restore('iptables', batch);
    });
  }

  /** Removes the grants of containers that no longer run (a worker that died mid-task left them). */
  sweep(alive: ReadonlySet<string>): Promise<number> {
    return this.serial(async () => {
      const batch = strayGrantBatch(this.network, await this.table('iptables'), alive);
      if (batch === undefined) return 0;
      await this.restore('iptables', batch);
      return batch.split('\n').filter((line) => line.startsWith('-D ')).length;
    });
  }

  private absentBridge(): string {
    return `the task network's bridge ${this.network.bridge} is not on this machine (the engine runs elsewhere or in another network namespace), so its traffic cannot be filtered here: run the worker on the engine's host`;
  }

  /** Task networks of earlier runs whose bridge is gone: their chains are removed with the next apply. */
  private staleNetworks(table: RuleTable): string[] {
    const own = this.network.id.slice(0, 12);
    const stale: string[] = [];
    for (const rule of table.get('DOCKER-USER') ?? []) {
      const m = /-i (\S+) -j DOCKHAND-([0-9a-f]{12})$/.exec(rule);
      if (m && m[2] !== own && !this.hasInterface(m[1]!)) stale.push(m[2]!);
    }
    return stale;
  }

  private async table(program: 'iptables' | 'ip6tables'): Promise<RuleTable> {
    const { stdout } = await this.exec(program, ['-w', '-t', 'filter', '-S']);
    return parseRules(stdout);
  }

  private async restore(program: 'iptables' | 'ip6tables', batch: string): Promise<void> {
    await this.exec(`${program}-restore`, ['-w', '--noflush'], batch);
  }

  private async exec(program: string, args: string[], input?: string): Promise<CommandResult> {
    let result: CommandResult;
    try {
      result = await this.run(program, args, input);
    } catch (err) {
      throw new DhError('DH_ERR_EGRESS', `Cannot run ${program} (${(err as Error).message}); install the iptables package (Dockhand's provisioning does).`);
    }
    if (result.code !== 0) {
      throw new DhError('DH_ERR_EGRESS', `\`${program} ${args.join(' ')}\` failed (exit ${result.code}): ${result.stderr.trim().split('\n').slice(-3).join(' ') || 'no message'}${process.getuid?.() === 0 ? '' : ' (filtering needs root)'}.`);
    }
    return result;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
