/**
 * The embedded span store on a real Redis: a batch of spans of many traces is one script call
 * (append-spans.lua), each trace's list gets its own spans in order with its retention set, and a
 * trace keeps at most MAX_SPANS_PER_TRACE spans. No Docker. Under a second.
 */
import { randomBytes } from 'node:crypto';
import type { Command } from 'ioredis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keys } from '../../src/store/redis/keys.ts';
import { MAX_SPANS_PER_TRACE, RedisSpanStore } from '../../src/telemetry/span-store.ts';
import type { SpanRecord } from '../../src/telemetry/span-record.ts';

const keys = new Keys(`dhtest:${randomBytes(4).toString('hex')}:`);
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6390', { lazyConnect: true });
const store = new RedisSpanStore(redis, keys, 3600);

beforeAll(async () => {
  await redis.connect();
});

afterAll(async () => {
  const found = await redis.keys(`${keys.prefix}*`);
  if (found.length) await redis.del(...found);
  redis.disconnect();
});

function span(traceId: string, n: number): SpanRecord {
  return { trace_id: traceId, span_id: n.toString(16).padStart(16, '0'), name: `span ${n}`, kind: 'internal', start: n, end: n + 1, attributes: {}, status: { code: 'unset' } };
}

/** Counts the commands the connection sends while `body` runs. */
async function commandsSent(body: () => Promise<void>): Promise<string[]> {
  const sent: string[] = [];
  const send = redis.sendCommand.bind(redis);
  Object.assign(redis, { sendCommand: (command: Command, ...rest: unknown[]) => { sent.push(command.name.toLowerCase()); return (send as (...a: unknown[]) => unknown)(command, ...rest); } });
  try {
    await body();
  } finally {
    Reflect.deleteProperty(redis, 'sendCommand');
  }
  return sent;
}

describe('the span store', () => {
  it('appends a batch of spans of many traces in one script call, each trace in order', async () => {
    const traces = Array.from({ length: 20 }, () => randomBytes(16).toString('hex'));
    const batch = traces.flatMap((traceId, t) => [span(traceId, t * 10), span(traceId, t * 10 + 1), span(traceId, t * 10 + 2)]);
    await store.append([]); // registers the scripts, so the count below is of the append alone
    const sent = await commandsSent(() => store.append(batch));
    expect(sent.filter((name) => name === 'evalsha' || name === 'eval')).toHaveLength(1);
    for (const [t, traceId] of traces.entries()) {
      expect((await store.spans(traceId)).map((s) => s.name)).toEqual([0, 1, 2].map((i) => `span ${t * 10 + i}`));
      const ttl = await redis.ttl(keys.traceSpans(traceId));
      expect(ttl).toBeGreaterThan(3500);
    }
  });

  it('keeps the first MAX_SPANS_PER_TRACE spans of a trace, appends past the stack limit of unpack', async () => {
    const traceId = randomBytes(16).toString('hex');
    const other = randomBytes(16).toString('hex');
    await store.append([...Array.from({ length: MAX_SPANS_PER_TRACE - 10 }, (_, i) => span(traceId, i)), span(other, 1)]);
    await store.append(Array.from({ length: 9000 }, (_, i) => span(traceId, MAX_SPANS_PER_TRACE + i)));
    const spans = await store.spans(traceId);
    expect(spans).toHaveLength(MAX_SPANS_PER_TRACE);
    expect(spans.at(-1)!.name).toBe(`span ${MAX_SPANS_PER_TRACE + 9}`);
    expect(await store.spans(other)).toHaveLength(1);
  });
});
