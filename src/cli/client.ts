/**
 * The SDK client for a command, built from the global options (--url, --token, --project) and the
 * usual environment and credentials.json fallbacks.
 */
import type { Command } from 'commander';
import { Dockhand } from '../sdk/index.ts';

export interface GlobalOptions {
  url?: string;
  token?: string;
  project?: string;
  json?: boolean;
}

export function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

/** Clients made by this run, so their span reports can be flushed before the process exits. */
const clients = new Set<Dockhand>();

export function clientFor(command: Command): Dockhand {
  const options = globalOptions(command);
  const client = new Dockhand({ url: options.url, token: options.token, projectId: options.project });
  clients.add(client);
  return client;
}

/** Waits for the clients' background span reports (each bounded by its own timeout). */
export async function flushClients(): Promise<void> {
  await Promise.all([...clients].map((c) => c.flush()));
}
