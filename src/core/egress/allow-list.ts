/**
 * A code package's egress allow-list (`--egress host:port,CIDR,...`): destinations its network-enabled
 * tasks may reach even when they are private. Parsed once at the edge; the worker resolves hostnames
 * itself when a task starts, so a task never chooses what an entry means. Some destinations stay shut
 * whatever the list says (loopback, link-local and cloud metadata, unspecified, multicast): see
 * docs/security.md "Egress". Pure.
 *
 *   parseEgressEntry('db.internal:5432')   // { host: 'db.internal', port: 5432 }
 *   parseEgressEntry('10.1.0.0/16')        // { cidr: '10.1.0.0/16' }
 */
import { z } from 'zod';

/** At most this many entries per package: each becomes a rule on every worker for every task. */
export const EGRESS_MAX_ENTRIES = 32;

export type EgressEntry =
  | { cidr: string; port?: number }
  | { host: string; port?: number };

const HOSTNAME = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** IPv4 ranges no allow-list opens: loopback, link-local (cloud metadata), "this network", multicast and reserved. */
export const NEVER_OPEN_V4 = ['0.0.0.0/8', '127.0.0.0/8', '169.254.0.0/16', '224.0.0.0/4', '240.0.0.0/4'] as const;

/** Parses one entry; throws an Error whose message says what to write instead. */
export function parseEgressEntry(text: string): EgressEntry {
  const raw = text.trim();
  if (raw.includes('[') || (raw.match(/:/g)?.length ?? 0) > 1) throw new Error(`"${raw}": IPv6 destinations are not supported (the task network is IPv4 only)`);
  const [target = '', portText] = raw.split(':');
  let port: number | undefined;
  if (portText !== undefined) {
    port = Number(portText);
    if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65_535) throw new Error(`"${raw}": the port must be a number from 1 to 65535`);
  }
  const withPort = <T extends object>(entry: T): T & { port?: number } => (port === undefined ? entry : { ...entry, port });
  const [address = '', prefixText] = target.split('/');
  if (isIPv4(address)) {
    const prefix = prefixText === undefined ? 32 : Number(prefixText);
    if (prefixText !== undefined && (!/^\d{1,2}$/.test(prefixText) || prefix > 32)) throw new Error(`"${raw}": the prefix length must be 0 to 32`);
    const cidr = `${networkAddress(address, prefix)}/${prefix}`;
    const shut = NEVER_OPEN_V4.find((range) => overlaps(cidr, range));
    if (shut) throw new Error(`"${raw}": ${shut} can never be opened (loopback, link-local and cloud metadata, multicast and reserved addresses stay shut)`);
    return withPort({ cidr });
  }
  if (prefixText === undefined && HOSTNAME.test(address) && !/^[\d.]+$/.test(address)) {
    if (address.toLowerCase() === 'localhost' || address.toLowerCase().endsWith('.localhost')) throw new Error(`"${raw}": localhost can never be opened`);
    return withPort({ host: address.toLowerCase() });
  }
  throw new Error(`"${raw}": write an IPv4 address, a CIDR like 10.1.0.0/16 or a host name, each optionally with :port`);
}

/** The entry as the user would write it back. */
export function formatEgressEntry(entry: EgressEntry): string {
  const target = 'cidr' in entry ? (entry.cidr.endsWith('/32') ? entry.cidr.slice(0, -3) : entry.cidr) : entry.host;
  return entry.port === undefined ? target : `${target}:${entry.port}`;
}

/** The allow-list as it arrives (a list of strings, or one comma-separated string) to its canonical strings. */
export const egressListSchema = z
  .union([z.string(), z.array(z.string())])
  .transform((value, ctx) => {
    const items = (Array.isArray(value) ? value : value.split(',')).map((s) => s.trim()).filter((s) => s !== '');
    if (items.length > EGRESS_MAX_ENTRIES) {
      ctx.addIssue({ code: 'custom', message: `at most ${EGRESS_MAX_ENTRIES} egress entries` });
      return z.NEVER;
    }
    const out: string[] = [];
    for (const item of items) {
      try {
        out.push(formatEgressEntry(parseEgressEntry(item)));
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }
    return [...new Set(out)];
  });

/** A dotted-quad IPv4 address (core stays free of node:net). */
export function isIPv4(text: string): boolean {
  const parts = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  return parts !== null && parts.slice(1).every((part) => Number(part) <= 255);
}

export function ipv4ToInt(address: string): number {
  return address.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

function intToIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

function networkAddress(address: string, prefix: number): string {
  const size = 2 ** (32 - prefix);
  return intToIpv4(Math.floor(ipv4ToInt(address) / size) * size);
}

/** Whether two IPv4 CIDRs share any address. */
export function overlaps(a: string, b: string): boolean {
  const range = (cidr: string): [number, number] => {
    const [address = '0.0.0.0', prefix = '32'] = cidr.split('/');
    const size = 2 ** (32 - Number(prefix));
    const start = Math.floor(ipv4ToInt(address) / size) * size;
    return [start, start + size - 1];
  };
  const [a0, a1] = range(a);
  const [b0, b1] = range(b);
  return a0 <= b1 && b0 <= a1;
}
