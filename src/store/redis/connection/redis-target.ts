/**
 * Where Dockhand's Redis is, parsed once from REDIS_URL (and DOCKHAND_REDIS_SENTINELS /
 * DOCKHAND_REDIS_MASTER): one server (`redis://`, `rediss://`), or a master that Redis Sentinel
 * manages (`redis+sentinel://[:password@]host:26379,host2:26379/mymaster[/db]`), found by asking the
 * sentinels, so a failover moves every client to the new master. Pure; the factory beside it makes
 * clients from the result.
 *
 *   parseRedisTarget({ REDIS_URL: 'redis+sentinel://s1:26379,s2:26379/mymaster' })
 *   // { kind: 'sentinel', sentinels: [{ host: 's1', port: 26379 }, ...], master: 'mymaster' }
 */
import { DhError } from '../../../core/errors.ts';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6390';
const SENTINEL_PORT = 26_379;

export interface SentinelAddress {
  host: string;
  port: number;
}

export type RedisTarget =
  | { kind: 'server'; url: string }
  | { kind: 'sentinel'; sentinels: SentinelAddress[]; master: string; password?: string; db?: number };

export interface RedisTargetEnv {
  REDIS_URL?: string | undefined;
  DOCKHAND_REDIS_SENTINELS?: string | undefined;
  DOCKHAND_REDIS_MASTER?: string | undefined;
}

export function parseRedisTarget(env: RedisTargetEnv): RedisTarget {
  if (env.DOCKHAND_REDIS_SENTINELS) {
    if (!env.DOCKHAND_REDIS_MASTER) throw invalid('DOCKHAND_REDIS_SENTINELS is set but DOCKHAND_REDIS_MASTER (the master group name the sentinels monitor) is not');
    const password = env.REDIS_URL ? passwordOf(env.REDIS_URL) : undefined;
    return { kind: 'sentinel', sentinels: parseSentinels(env.DOCKHAND_REDIS_SENTINELS), master: env.DOCKHAND_REDIS_MASTER, ...(password ? { password } : {}) };
  }
  const url = env.REDIS_URL ?? DEFAULT_REDIS_URL;
  if (!url.startsWith('redis+sentinel://')) return { kind: 'server', url };
  const rest = url.slice('redis+sentinel://'.length);
  const at = rest.lastIndexOf('@', rest.indexOf('/') === -1 ? rest.length : rest.indexOf('/'));
  const auth = at === -1 ? '' : rest.slice(0, at);
  const [hosts = '', master = '', db] = rest.slice(at + 1).split('/');
  if (!master) throw invalid(`REDIS_URL ${redact(url)} names no master group: use redis+sentinel://host:26379,host2:26379/mymaster`);
  const password = auth.includes(':') ? decodeURIComponent(auth.slice(auth.indexOf(':') + 1)) : auth ? decodeURIComponent(auth) : '';
  const dbNumber = db === undefined || db === '' ? undefined : Number(db);
  if (dbNumber !== undefined && !(Number.isInteger(dbNumber) && dbNumber >= 0)) throw invalid(`REDIS_URL ${redact(url)} ends in "/${db}", which is not a database number`);
  return {
    kind: 'sentinel',
    sentinels: parseSentinels(hosts),
    master: decodeURIComponent(master),
    ...(password ? { password } : {}),
    ...(dbNumber !== undefined ? { db: dbNumber } : {}),
  };
}

/** `host:port,host2:port` (port optional, 26379) into addresses. */
function parseSentinels(list: string): SentinelAddress[] {
  const sentinels = list.split(',').map((entry) => entry.trim()).filter(Boolean).map((entry) => {
    const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry);
    if (!match) throw invalid(`"${entry}" is not a sentinel address (host or host:port)`);
    const port = match[2] ? Number(match[2]) : SENTINEL_PORT;
    if (port < 1 || port > 65_535) throw invalid(`"${entry}" has no valid port`);
    return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
  });
  if (sentinels.length === 0) throw invalid('no sentinel addresses given: list them as host:26379,host2:26379');
  return sentinels;
}

function passwordOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.password ? decodeURIComponent(parsed.password) : undefined;
  } catch {
    return undefined;
  }
}

/** The target for messages: passwords never appear in logs or errors. */
export function describeRedisTarget(target: RedisTarget): string {
  if (target.kind === 'server') return redact(target.url);
  return `master "${target.master}" via sentinels ${target.sentinels.map((s) => `${s.host}:${s.port}`).join(',')}`;
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

function invalid(message: string): DhError {
  return new DhError('DH_ERR_CONFIG', `Redis setting is invalid: ${message}.`);
}
