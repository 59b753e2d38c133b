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

export function clientFor(command: Command): Dockhand {
  const options = globalOptions(command);
  return new Dockhand({ url: options.url, token: options.token, projectId: options.project });
}
