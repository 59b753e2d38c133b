/**
 * Code packages and their revisions. A package is a small hash (id, name, latest rev, paused) plus one
 * JSON document per revision; uploading adds a revision, so tasks queued earlier keep the revision
 * they were queued with.
 */
import type { Redis } from 'ioredis';
import { newId } from '../../core/ids.ts';
import type { CodeRevision } from '../../core/model.ts';
import type { CodeRegistry } from '../ports.ts';
import type { Keys } from './keys.ts';

export class RedisCodeRegistry implements CodeRegistry {
  constructor(private readonly redis: Redis, private readonly keys: Keys) {}

  async addRevision(input: Omit<CodeRevision, 'rev' | 'id' | 'created_at'> & { id?: string }): Promise<CodeRevision> {
    const codeKey = this.keys.code(input.project_id, input.name);
    const existingId = await this.redis.hget(codeKey, 'id');
    const id = existingId ?? input.id ?? newId();
    if (!existingId) {
      // HSETNX keeps the first id if two uploads of a new package race.
      await this.redis.hsetnx(codeKey, 'id', id);
    }
    const finalId = (await this.redis.hget(codeKey, 'id')) ?? id;
    const rev = await this.redis.hincrby(codeKey, 'rev', 1);
    const revision: CodeRevision = { ...input, id: finalId, rev, created_at: new Date().toISOString() };
    await this.redis
      .multi()
      .set(this.keys.codeRevision(input.project_id, input.name, rev), JSON.stringify(revision))
      // The current revision's limit lives on the package hash, where the claim script reads it.
      .hset(codeKey, 'name', input.name, 'project_id', input.project_id, 'current', String(rev), 'max_concurrency', String(input.max_concurrency))
      .zadd(this.keys.codes(input.project_id), Date.now(), input.name)
      .set(this.keys.codeById(finalId), `${input.project_id}/${input.name}`)
      .exec();
    return revision;
  }

  async current(projectId: string, name: string): Promise<CodeRevision | undefined> {
    const rev = await this.redis.hget(this.keys.code(projectId, name), 'current');
    return rev ? this.revision(projectId, name, Number(rev)) : undefined;
  }

  async revision(projectId: string, name: string, rev: number): Promise<CodeRevision | undefined> {
    const json = await this.redis.get(this.keys.codeRevision(projectId, name, rev));
    return json ? (JSON.parse(json) as CodeRevision) : undefined;
  }

  async revisions(projectId: string, name: string): Promise<CodeRevision[]> {
    const latest = Number((await this.redis.hget(this.keys.code(projectId, name), 'current')) ?? 0);
    const revs: CodeRevision[] = [];
    for (let rev = latest; rev >= 1; rev--) {
      const revision = await this.revision(projectId, name, rev);
      if (revision) revs.push(revision);
    }
    return revs;
  }

  async list(projectId: string): Promise<CodeRevision[]> {
    const names = await this.redis.zrevrange(this.keys.codes(projectId), 0, -1);
    const current = await Promise.all(names.map((name) => this.current(projectId, name)));
    return current.filter((c): c is CodeRevision => c !== undefined);
  }

  async byId(id: string): Promise<CodeRevision | undefined> {
    const ref = await this.redis.get(this.keys.codeById(id));
    if (!ref) return undefined;
    const slash = ref.indexOf('/');
    return this.current(ref.slice(0, slash), ref.slice(slash + 1));
  }

  async delete(projectId: string, name: string): Promise<boolean> {
    const codeKey = this.keys.code(projectId, name);
    const hash = await this.redis.hgetall(codeKey);
    if (!hash['id']) return false;
    const latest = Number(hash['rev'] ?? 0);
    const multi = this.redis.multi().del(codeKey).zrem(this.keys.codes(projectId), name).del(this.keys.codeById(hash['id']));
    for (let rev = 1; rev <= latest; rev++) multi.del(this.keys.codeRevision(projectId, name, rev));
    await multi.exec();
    return true;
  }

  async setPaused(projectId: string, name: string, paused: boolean): Promise<boolean> {
    const codeKey = this.keys.code(projectId, name);
    if (!(await this.redis.exists(codeKey))) return false;
    await this.redis.hset(codeKey, 'paused', paused ? '1' : '0');
    return true;
  }

  async isPaused(projectId: string, name: string): Promise<boolean> {
    return (await this.redis.hget(this.keys.code(projectId, name), 'paused')) === '1';
  }

  async imageIds(): Promise<Set<string>> {
    const ids = new Set<string>();
    for await (const revision of this.everyRevision()) {
      if (revision.image_id) ids.add(revision.image_id);
    }
    return ids;
  }

  async customImages(): Promise<Set<string>> {
    const refs = new Set<string>();
    for await (const revision of this.everyRevision()) {
      if (revision.image && !revision.stack) refs.add(revision.image);
    }
    return refs;
  }

  async archiveDigests(): Promise<Set<string>> {
    const digests = new Set<string>();
    for await (const revision of this.everyRevision()) {
      if (revision.archive_sha256) digests.add(revision.archive_sha256);
      if (revision.build?.source_sha256) digests.add(revision.build.source_sha256);
    }
    return digests;
  }

  /** Every stored revision of every package of every project, by SCAN (no index lists them all). */
  private async *everyRevision(): AsyncGenerator<Partial<CodeRevision>> {
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', this.keys.codeRevisionPattern(), 'COUNT', 500);
      cursor = next;
      if (keys.length === 0) continue;
      for (const json of await this.redis.mget(...keys)) {
        if (json) yield JSON.parse(json) as Partial<CodeRevision>;
      }
    } while (cursor !== '0');
  }
}
