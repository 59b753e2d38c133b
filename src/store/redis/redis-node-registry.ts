/**
 * NodeRegistry on Redis: a hash per node (its last report plus `last_seen_ms` in Redis time), a sorted
 * set of node ids by last heartbeat, and the heartbeat script that renews the node's leases in the
 * same step. States are judged by Redis time too, so clocks of servers and nodes never disagree.
 */
import type { Redis } from 'ioredis';
import { nodeState, type ReportedNodeState } from '../../core/fleet/node-state.ts';
import type { FleetNode } from '../../core/model.ts';
import type { HeartbeatResult, NodeRegistry, NodeReport } from '../ports.ts';
import { hashScalar } from './hash-value.ts';
import type { Keys } from './keys.ts';
import { runScript } from './scripts.ts';

const JSON_FIELDS = ['clusters', 'labels', 'running', 'stacks', 'placement'] as const;
const NUMBER_FIELDS = ['slots_total', 'slots_used', 'memory_total', 'memory_reserved'] as const;

export class RedisNodeRegistry implements NodeRegistry {
  constructor(private readonly redis: Redis, private readonly keys: Keys, private readonly ttlMs: number) {}

  async heartbeat(report: NodeReport, options: { instance: string; ttlMs: number; retentionSeconds: number }): Promise<HeartbeatResult> {
    const fields: string[] = [];
    for (const [key, value] of Object.entries(report)) {
      fields.push(key, (JSON_FIELDS as readonly string[]).includes(key) ? JSON.stringify(value) : hashScalar(value));
    }
    const reply = (await runScript(
      this.redis,
      'nodeHeartbeat',
      [this.keys.node(report.id), this.keys.nodes(), this.keys.nodeTasks(report.id)],
      [report.id, options.ttlMs, options.retentionSeconds, options.instance, ...fields],
    )) as (string | number)[];
    if (Number(reply[0]) === -1) return { accepted: false, otherInstance: String(reply[1]), seenMsAgo: Number(reply[2]) };
    return { accepted: true, nowMs: Number(reply[1]), lostTaskIds: reply.slice(2).map(String) };
  }

  async list(): Promise<FleetNode[]> {
    const ids = await this.redis.zrange(this.keys.nodes(), 0, -1);
    const nowMs = await this.redisNow();
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.node(id));
    const rows = (await pipeline.exec()) ?? [];
    const nodes: FleetNode[] = [];
    const gone: string[] = [];
    ids.forEach((id, i) => {
      const hash = rows[i]?.[1] as Record<string, string> | undefined;
      const node = hash && hash['id'] ? decodeNode(hash, nowMs, this.ttlMs) : undefined;
      if (node) nodes.push(node);
      else gone.push(id);
    });
    // Records expire some time after a node is lost; its id then leaves the index too.
    if (gone.length > 0) await this.redis.zrem(this.keys.nodes(), ...gone);
    return nodes.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async get(id: string): Promise<FleetNode | undefined> {
    const hash = await this.redis.hgetall(this.keys.node(id));
    return hash['id'] ? decodeNode(hash, await this.redisNow(), this.ttlMs) : undefined;
  }

  async staleIds(): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.nodes(), '-inf', `(${(await this.redisNow()) - this.ttlMs}`);
  }

  async deregister(id: string, instance: string): Promise<void> {
    if ((await this.redis.hget(this.keys.node(id), 'instance')) !== instance) return;
    await this.redis.multi().del(this.keys.node(id)).zrem(this.keys.nodes(), id).exec();
  }

  private async redisNow(): Promise<number> {
    const [seconds, micros] = await this.redis.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }
}

function decodeNode(hash: Record<string, string>, nowMs: number, ttlMs: number): FleetNode {
  const parsed: Record<string, unknown> = {};
  for (const field of JSON_FIELDS) parsed[field] = safeJson(hash[field]);
  for (const field of NUMBER_FIELDS) parsed[field] = Number(hash[field] ?? 0);
  const lastSeenMs = Number(hash['last_seen_ms'] ?? 0);
  return {
    id: hash['id']!,
    state: nodeState({ reported: (hash['state'] ?? 'running') as ReportedNodeState, lastSeenMs, nowMs, ttlMs }),
    clusters: (parsed['clusters'] as string[] | undefined) ?? [],
    labels: (parsed['labels'] as Record<string, string> | undefined) ?? {},
    slots_total: parsed['slots_total'] as number,
    slots_used: parsed['slots_used'] as number,
    memory_total: parsed['memory_total'] as number,
    memory_reserved: parsed['memory_reserved'] as number,
    running: (parsed['running'] as string[] | undefined) ?? [],
    docker_version: hash['docker_version'] ?? '',
    stacks: (parsed['stacks'] as string[] | undefined) ?? [],
    last_seen: new Date(lastSeenMs).toISOString(),
    placement: (parsed['placement'] as FleetNode['placement'] | undefined) ?? {},
    started_at: hash['started_at'] ?? '',
    engine_id: hash['engine_id'] ?? '',
  };
}

function safeJson(raw: string | undefined): unknown {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
