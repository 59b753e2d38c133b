import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeDefinitionIssue, parseDefinitionsFile } from './definitions-file.ts';

const now = new Date('2026-05-05T10:00:00Z');

describe('parseDefinitionsFile', () => {
  it('reads the INTERFACE example into checked entries', () => {
    const file = parseDefinitionsFile(
      [
        'schedules:',
        '  - name: nightly-report',
        '    code: report',
        '    cron: "0 2 * * *"',
        '    timezone: Europe/Berlin',
        '    payload: { kind: nightly }',
        '    overlap: skip',
        '    missed: run-once',
        '  - name: heartbeat',
        '    code: ping',
        '    every: 300',
      ].join('\n'),
      { now },
    );
    expect(file.issues).toEqual([]);
    expect(file.entries.map((e) => [e.name, e.request.code_name, e.definition.kind])).toEqual([
      ['nightly-report', 'report', 'cron'],
      ['heartbeat', 'ping', 'every'],
    ]);
    expect(file.entries[0]?.request.payload).toEqual({ kind: 'nightly' });
    expect(file.entries[0]?.definition).toMatchObject({ timezone: 'Europe/Berlin', overlap: 'skip', missed: { kind: 'run-once' } });
  });

  it('reports every problem of every entry at once, each with its line', () => {
    const text = [
      'schedules:', //                       1
      '  - name: ok', //                     2
      '    code: report', //                 3
      '    cron: "0 2 * * *"', //            4
      '  - name: bad-cron', //               5
      '    code: report', //                 6
      '    cron: "0 25 * * *"', //           7
      '    timezone: Mars/Base', //          8
      '  - code: report', //                 9
      '    every: 300', //                   10
      '  - name: ok', //                     11
      '    code: report', //                 12
      '    every: 10', //                    13
      '    overlap: sometimes', //           14
      '    colour: blue', //                 15
    ].join('\n');
    const file = parseDefinitionsFile(text, { now });
    const found = file.issues.map((i) => `${i.line} ${i.index} ${i.path}`);
    expect(found).toEqual(expect.arrayContaining([
      '7 1 cron',
      '8 1 timezone',
      '9 2 name',
      '11 3 name',
      '13 3 every',
      '14 3 overlap',
      '15 3 colour',
    ]));
    expect(file.issues).toHaveLength(7);
    expect(file.entries.map((e) => e.name)).toEqual(['ok']);
    const cron = file.issues.find((i) => i.path === 'cron');
    expect(describeDefinitionIssue(cron!)).toBe('schedule 2 (cron): cron field "hour" has an invalid value "25" (allowed 0-23)');
    expect(file.issues.find((i) => i.index === 3 && i.path === 'name')?.message).toBe('the name "ok" is already used by schedule 1 of the file');
    expect(file.issues.find((i) => i.path === 'every')?.message).toBe('must be at least 60 seconds, got 10');
  });

  it('names a missing code package field in the file\'s own terms', () => {
    const file = parseDefinitionsFile('schedules:\n  - name: x\n    cron: "@daily"\n', { now });
    expect(file.issues).toEqual([{ index: 0, path: 'code', message: 'code is required: the code package each firing runs', line: 2 }]);
  });

  it('reports YAML syntax errors with their line and checks nothing else', () => {
    const file = parseDefinitionsFile('schedules:\n  - name: x\n    code: [unclosed\n', { now });
    expect(file.issues.length).toBeGreaterThan(0);
    expect(file.issues[0]?.line).toBeGreaterThanOrEqual(3);
    expect(file.entries).toEqual([]);
  });

  it('refuses a file without a schedules list, and unknown top-level keys', () => {
    expect(parseDefinitionsFile('', { now }).issues[0]?.message).toMatch(/empty/);
    const file = parseDefinitionsFile('jobs:\n  - name: x\n', { now });
    expect(file.issues.map((i) => [i.path, i.line])).toEqual([['jobs', 1], ['schedules', 1]]);
  });

  it('accepts an empty list, which with --prune deletes every named schedule', () => {
    const file = parseDefinitionsFile('schedules: []\n', { now });
    expect(file.issues).toEqual([]);
    expect(file.entries).toEqual([]);
  });

  it('maps a problem found later (by the server) back to its line', () => {
    const file = parseDefinitionsFile('schedules:\n  - name: a\n    code: gone\n    cron: "@hourly"\n', { now });
    expect(file.lineOf(0, 'code')).toBe(3);
    expect(file.lineOf(0, '')).toBe(2);
  });

  it('checks the shipped examples/schedules.yaml cleanly', () => {
    const text = readFileSync(new URL('../../../examples/schedules.yaml', import.meta.url), 'utf8');
    const file = parseDefinitionsFile(text, { now });
    expect(file.issues).toEqual([]);
    expect(file.entries.length).toBeGreaterThanOrEqual(2);
  });
});
