/**
 * The resolvers network-enabled tasks may query: DOCKHAND_TASK_DNS, else the IPv4 nameservers of the
 * host's /etc/resolv.conf that are not loopback (a loopback resolver cannot be reached from a
 * container), else the engine's own fallback. The worker passes them to each container (`Dns`), so
 * the engine's embedded DNS forwards to exactly the addresses the egress policy lets through.
 *
 *   taskResolvers(settings.DOCKHAND_TASK_DNS, readFileSync('/etc/resolv.conf', 'utf8'))
 */
import { readFileSync } from 'node:fs';

/** What dockerd itself falls back to when the host has only loopback resolvers. */
export const ENGINE_FALLBACK_RESOLVERS = ['8.8.8.8', '8.8.4.4'];

/** Pure: the resolvers from the setting or a resolv.conf text. */
export function taskResolvers(configured: string[] | undefined, resolvConf: string): string[] {
  if (configured && configured.length > 0) return configured;
  const found = resolvConf
    .split('\n')
    .map((line) => /^\s*nameserver\s+(\d{1,3}(?:\.\d{1,3}){3})\s*$/.exec(line)?.[1])
    .filter((ip): ip is string => ip !== undefined && !ip.startsWith('127.'));
  return found.length > 0 ? [...new Set(found)] : ENGINE_FALLBACK_RESOLVERS;
}

export function hostTaskResolvers(configured: string[] | undefined): string[] {
  let text = '';
  try {
    text = readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    // no resolv.conf: the engine's fallback
  }
  return taskResolvers(configured, text);
}
