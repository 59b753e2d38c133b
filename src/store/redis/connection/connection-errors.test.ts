import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { reportConnectionErrors } from './connection-errors.ts';

function recorder() {
  const lines: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
  return {
    lines,
    logger: {
      warn: (fields: Record<string, unknown>, msg: string) => lines.push({ level: 'warn', msg, fields }),
      info: (fields: Record<string, unknown>, msg: string) => lines.push({ level: 'info', msg, fields }),
    },
  };
}

describe('Redis connection errors', () => {
  it('logs the first error of an outage once and "reconnected" when the client is ready again', () => {
    const client = new EventEmitter();
    const { lines, logger } = recorder();
    let t = 1000;
    const report = reportConnectionErrors(client, logger, 'redis', () => t);
    client.emit('ready'); // the first connect is not a recovery
    expect(lines).toEqual([]);
    for (let i = 0; i < 50; i++) client.emit('error', new Error('connect ECONNREFUSED 127.0.0.1:6390'));
    expect(report.down).toBe(true);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'warn', fields: { err: 'connect ECONNREFUSED 127.0.0.1:6390' } });
    t = 31_000;
    client.emit('ready');
    expect(report.down).toBe(false);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ level: 'info', msg: 'redis: reconnected', fields: { outage_ms: 30_000, errors: 50 } });
  });

  it('logs each outage of its own', () => {
    const client = new EventEmitter();
    const { lines, logger } = recorder();
    reportConnectionErrors(client, logger);
    for (const _ of [1, 2]) {
      client.emit('error', new Error('ETIMEDOUT'));
      client.emit('error', new Error('ETIMEDOUT'));
      client.emit('ready');
    }
    expect(lines.map((l) => l.level)).toEqual(['warn', 'info', 'warn', 'info']);
  });

  it('keeps an error from being unhandled even without a logger, and detaches', () => {
    const client = new EventEmitter();
    const report = reportConnectionErrors(client, undefined);
    expect(() => client.emit('error', new Error('boom'))).not.toThrow();
    report.detach();
    expect(client.listenerCount('error')).toBe(0);
  });
});
