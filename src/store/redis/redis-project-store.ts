/**
 * Projects and their tokens. Only the sha256 of a token is stored, as the key `token:<sha256>`; a lookup
 * hashes the presented token and reads that key, so neither Redis nor timing reveals a token (what is
 * compared is a hash of it). The key's value is the project id, with `:read` after it for a read-only
 * token. A project's first token, and tokens added later, work alike; added tokens may expire.
 *
 * Sign-in links for the dashboard are one-time codes stored the same way (`sign-in:<sha256>`) for a
 * minute: redeeming one deletes it in the same command (GETDEL) and mints a short-lived token.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { newId, newToken } from '../../core/ids.ts';
import type { Project } from '../../core/model.ts';
import type { ProjectStore, TokenGrant } from '../ports.ts';
import type { Keys } from './keys.ts';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Marks a read-only token in the value of its key. */
const READ_ONLY_SUFFIX = ':read';

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
    return (await this.grantOf(token))?.project;
  }

  async grantOf(token: string): Promise<TokenGrant | undefined> {
    const value = await this.redis.get(this.keys.token(hashToken(token)));
    if (!value) return undefined;
    const readOnly = value.endsWith(READ_ONLY_SUFFIX);
    const project = await this.get(readOnly ? value.slice(0, -READ_ONLY_SUFFIX.length) : value);
    return project ? { project, readOnly } : undefined;
  }

  async addToken(projectId: string, options: { readOnly: boolean; ttlSeconds?: number }): Promise<string> {
    const token = newToken();
    const value = options.readOnly ? `${projectId}${READ_ONLY_SUFFIX}` : projectId;
    if (options.ttlSeconds !== undefined) await this.redis.set(this.keys.token(hashToken(token)), value, 'EX', options.ttlSeconds);
    else await this.redis.set(this.keys.token(hashToken(token)), value);
    return token;
  }

  async createSignInCode(grant: { projectId: string; readOnly: boolean }, ttlSeconds: number): Promise<string> {
    const code = newToken();
    await this.redis.set(this.keys.signInCode(hashToken(code)), JSON.stringify(grant), 'EX', ttlSeconds);
    return code;
  }

  async redeemSignInCode(code: string): Promise<{ projectId: string; readOnly: boolean } | undefined> {
    const stored = await this.redis.getdel(this.keys.signInCode(hashToken(code)));
    return stored ? (JSON.parse(stored) as { projectId: string; readOnly: boolean }) : undefined;
  }

  async list(): Promise<Project[]> {
    const ids = await this.redis.smembers(this.keys.projects());
    const projects = await Promise.all(ids.map((id) => this.get(id)));
    return projects.filter((p): p is Project => p !== undefined).sort((a, b) => a.created_at.localeCompare(b.created_at));
  }
}
