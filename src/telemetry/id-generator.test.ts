import { describe, expect, it } from 'vitest';
import { ReservingIdGenerator } from './id-generator.ts';

describe('ReservingIdGenerator', () => {
  it('hands out reserved ids once, inside the callback only, then random ones', () => {
    const ids = new ReservingIdGenerator();
    const inside = ids.withIds({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) }, () => [ids.generateTraceId(), ids.generateSpanId(), ids.generateSpanId()]);
    expect(inside[0]).toBe('a'.repeat(32));
    expect(inside[1]).toBe('b'.repeat(16));
    expect(inside[2]).toMatch(/^[0-9a-f]{16}$/);
    expect(inside[2]).not.toBe('b'.repeat(16));
    expect(ids.generateSpanId()).not.toBe('b'.repeat(16));
  });

  it('forgets the reservation when the callback throws', () => {
    const ids = new ReservingIdGenerator();
    expect(() => ids.withIds({ spanId: 'c'.repeat(16) }, () => { throw new Error('x'); })).toThrow('x');
    expect(ids.generateSpanId()).not.toBe('c'.repeat(16));
  });
});
