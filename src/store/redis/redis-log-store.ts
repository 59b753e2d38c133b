/**
 * Task logs as Redis streams: one entry per output chunk, tagged with the stream it came from, so the
 * order of stdout and stderr is kept and a follower can block on "anything after this cursor".
 */
import { reportConnectionErrors } from './connection/connection-errors.ts';
import type { Redis } from 'ioredis';
import type { LogEntry, LogFollower, LogStore } from '../ports.ts';
import type { Keys } from './keys.ts';

const STREAM_CODES = { stdout: 'o', stderr: 'e', system: 's' } as const;
const STREAM_NAMES: Record<string, LogEntry['stream']> = { o: 'stdout', e: 'stderr', s: 'system' };

type StreamReply = [string, string[]][];

export class RedisLogStore implements LogStore {
  constructor(private readonly redis: Redis, private readonly keys: Keys) {}

  async append(taskId: string, entries: { stream: LogEntry['stream']; data: Buffer | string }[]): Promise<void> {
    if (entries.length === 0) return;
    const pipeline = this.redis.pipeline();
    let bytes = 0;
    for (const entry of entries) {
      const data = typeof entry.data === 'string' ? entry.data : entry.data.toString('utf8');
      bytes += Buffer.byteLength(data);
      pipeline.xadd(this.keys.log(taskId), '*', 's', STREAM_CODES[entry.stream], 'd', data);
    }
    pipeline.incrby(this.keys.logBytes(taskId), bytes);
    await pipeline.exec();
  }

  async read(taskId: string, after = '0', limit = 10_000): Promise<LogEntry[]> {
    const reply = await this.redis.xrange(this.keys.log(taskId), after === '0' ? '-' : `(${after}`, '+', 'COUNT', limit);
    return reply.map(toEntry);
  }

  async follow(taskId: string, after: string, blockMs: number): Promise<LogEntry[]> {
    const follower = this.follower(taskId);
    try {
      return await follower.next(after, blockMs);
    } finally {
      follower.close();
    }
  }

  follower(taskId: string): LogFollower {
    // A blocking read holds its connection, so a follow session gets a duplicate of its own.
    const reader = this.redis.duplicate();
    // The main client reports an outage; this connection's errors are the same outage.
    reportConnectionErrors(reader, undefined, 'redis log reader');
    const key = this.keys.log(taskId);
    return {
      async next(after: string, blockMs: number): Promise<LogEntry[]> {
        const reply = (await reader.xread('COUNT', 1000, 'BLOCK', blockMs, 'STREAMS', key, after)) as StreamReply | null;
        return reply?.[0]?.[1] ? (reply[0][1] as unknown as [string, string[]][]).map(toEntry) : [];
      },
      close(): void {
        reader.disconnect();
      },
    };
  }

  async text(taskId: string): Promise<string> {
    const parts: string[] = [];
    let after = '0';
    for (;;) {
      const batch = await this.read(taskId, after, 10_000);
      for (const entry of batch) parts.push(entry.data);
      if (batch.length < 10_000) break;
      after = batch[batch.length - 1]!.cursor;
    }
    return parts.join('');
  }

  async expire(taskId: string, seconds: number): Promise<void> {
    await this.redis.multi().expire(this.keys.log(taskId), seconds).expire(this.keys.logBytes(taskId), seconds).exec();
  }
}

function toEntry([id, fields]: [string, string[]]): LogEntry {
  let stream: LogEntry['stream'] = 'stdout';
  let data = '';
  for (let i = 0; i < fields.length; i += 2) {
    if (fields[i] === 's') stream = STREAM_NAMES[fields[i + 1] ?? 'o'] ?? 'stdout';
    else if (fields[i] === 'd') data = fields[i + 1] ?? '';
  }
  return { stream, data, cursor: id };
}
