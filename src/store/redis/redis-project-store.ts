/**
 * Projects and their tokens. Only the sha256 of a token is stored; a lookup hashes the presented token
 * and compares the stored hash in constant time, so neither Redis nor timing reveals a token.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { newId, newToken } from '../../core/ids.ts';
import type { Project } from '../../core/model.ts';
import type { ProjectStore } from '../ports.ts';
import type { Keys } from './keys.ts';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class RedisProjectStore implements ProjectStore {
  constructor(private readonly redis: Redis, private readonly keys: Keys) {}

  async create(name: string, options: { id?: string; token?: string } = {}): Promise<{ project: Project; token: string }> {
    const project: Project = { id: options.id ?? newId(), name, created_at: new Date().toISOString() };
    const token = options.token ?? newToken();
    const tokenHash = hashToken(token);
    await this.redis
      .multi()
      .hset(this.keys.project(project.id), 'id', project.id, 'name', project.name, 'created_at', project.created_at, 'token_hash', tokenHash)
      .set(this.keys.token(tokenHash), project.id)
      .sadd(this.keys.projects(), project.id)
      .exec();
    return { project, token };
  }

  async get(id: string): Promise<Project | undefined> {
    const hash = await this.redis.hgetall(this.keys.project(id));
    if (!hash['id']) return undefined;
    return { id: hash['id'], name: hash['name'] ?? '', created_at: hash['created_at'] ?? '' };
  }

  async byToken(token: string): Promise<Project | undefined> {
    const presented = hashToken(token);
    const projectId = await this.redis.get(this.keys.token(presented));
    if (!projectId) return undefined;
    const stored = await this.redis.hget(this.keys.project(projectId), 'token_hash');
    if (!stored || stored.length !== presented.length) return undefined;
    if (!timingSafeEqual(Buffer.from(stored), Buffer.from(presented))) return undefined;
    return this.get(projectId);
  }

  async list(): Promise<Project[]> {
    const ids = await this.redis.smembers(this.keys.projects());
    const projects = await Promise.all(ids.map((id) => this.get(id)));
    return projects.filter((p): p is Project => p !== undefined).sort((a, b) => a.created_at.localeCompare(b.created_at));
  }
}
