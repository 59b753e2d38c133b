import { describe, expect, it } from 'vitest';
import { formatPlanLines } from '../core/schedule/apply-plan.ts';
import { parseScheduleRequest } from '../core/schemas/schedule-request.ts';
import { changedFields, compileSchedule, scheduleFields, timingChanged } from './schedule-fields.ts';

const created = new Date('2026-05-05T10:00:00Z');
const later = new Date('2026-05-07T08:00:00Z');

function fields(input: Record<string, unknown>, now = created) {
  const { request, definition } = parseScheduleRequest({ code_name: 'report', ...input }, { now });
  return scheduleFields(request, definition);
}

describe('schedule fields', () => {
  it('store the declared timing in its canonical form and compile back to the same definition', () => {
    const f = fields({ cron: '0 2 * * *', timezone: 'europe/berlin', missed: 'catch-up:2', payload: { a: 1 } });
    expect(f).toMatchObject({ cron: '0 2 * * *', timezone: 'Europe/Berlin', overlap: 'allow', missed: 'catch-up:2', payload: '{"a":1}', start_declared: false });
    expect(compileSchedule(f)).toEqual(parseScheduleRequest({ code_name: 'report', cron: '0 2 * * *', timezone: 'Europe/Berlin', missed: 'catch-up:2' }).definition);
  });

  it('keep an every-N schedule\'s chosen start out of what the user declared', () => {
    const first = fields({ every: 300 }, created);
    const again = fields({ every: 300 }, later);
    expect(first.start_at).toBe(created.toISOString());
    expect(changedFields(first, again)).toEqual([]);
    expect(changedFields(first, fields({ every: 300, start_at: '2026-05-05T10:00:00Z' }))).toEqual([
      { field: 'start_at', from: undefined, to: '2026-05-05T10:00:00.000Z' },
    ]);
  });

  it('find the declared fields that differ, in a fixed order', () => {
    const a = fields({ cron: '0 2 * * *', payload: { kind: 'nightly' }, label: 'x' });
    const b = fields({ cron: '0 3 * * *', payload: { kind: 'nightly' }, overlap: 'skip' });
    expect(changedFields(a, b).map((c) => c.field)).toEqual(['cron', 'overlap', 'label']);
    expect(changedFields(a, a)).toEqual([]);
  });

  it('tell a change of when it fires from a change of what its tasks get', () => {
    const a = fields({ cron: '0 2 * * *' });
    expect(timingChanged(a, fields({ cron: '0 2 * * *', payload: 'x', overlap: 'skip' }))).toBe(false);
    expect(timingChanged(a, fields({ cron: '0 2 * * *', timezone: 'Asia/Tokyo' }))).toBe(true);
    expect(timingChanged(a, fields({ cron: '0 2 * * *', run_times: 3 }))).toBe(true);
  });

  it('print an apply plan as +, ~ and - lines, quoting values that need it', () => {
    const lines = formatPlanLines({
      plan: [
        { action: 'create', name: 'a' },
        { action: 'unchanged', name: 'b' },
        { action: 'update', name: 'c', changes: [{ field: 'every', from: 300, to: 600 }, { field: 'payload', from: '{"a":1}', to: undefined }] },
        { action: 'delete', name: 'd' },
      ],
    });
    expect(lines).toEqual(['+ create a', '~ update c: every 300 -> 600, payload "{\\"a\\":1}" -> (none)', '- delete d']);
  });
});
