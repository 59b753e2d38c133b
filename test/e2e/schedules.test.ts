/**
 * Schedules as a user drives them: `dockhand schedule ...` against a real API with its scheduler, a
 * real worker, real Redis and real containers; `schedule next` with no server at all.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Schedule, ScheduleFiring } from '../../src/core/model.ts';
import { dockhand } from '../helpers/cli.ts';
import { startFleet, type TestFleet } from '../helpers/fleet.ts';
import { BASE_TEST_IMAGE } from '../helpers/docker.ts';
import { waitFor } from '../helpers/schedulers.ts';

let fleet: TestFleet;
let dir: string;

beforeAll(async () => {
  fleet = await startFleet({ concurrency: 1 });
  dir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-schedules-'));
  // Packages the definitions files name; their schedules never fire during the test.
  for (const name of ['report', 'ping']) await fleet.client.codes.upload(undefined, { name, image: BASE_TEST_IMAGE, command: 'true' });
  const upload = await dockhand(['code', 'upload', 'test/fixtures/workers/schedule-env', '--name', 'schedule-env', '--stack', 'shell'], fleet.env);
  expect(upload.code).toBe(0);
});

afterAll(async () => {
  await fleet?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function json<T>(args: string[]): Promise<T> {
  const result = await dockhand(['--json', ...args], fleet.env);
  expect(result.stderr).not.toMatch(/^dockhand:/m);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as T;
}

describe('dockhand schedule next (local, no server)', () => {
  const offline = { DOCKHAND_URL: '', DOCKHAND_TOKEN: '', DOCKHAND_DATA_DIR: '/nonexistent' };

  it('shifts a Berlin 02:30 job past the spring-forward gap and fires it once on the fall-back night', async () => {
    const spring = await dockhand(['--json', 'schedule', 'next', '30 2 * * *', '--tz', 'Europe/Berlin', '-n', '3', '--from', '2026-03-28T12:00:00Z'], offline);
    expect(spring.code).toBe(0);
    expect(JSON.parse(spring.stdout)).toEqual(['2026-03-29T01:30:00.000Z', '2026-03-30T00:30:00.000Z', '2026-03-31T00:30:00.000Z']);
    const autumn = await dockhand(['schedule', 'next', '30 2 * * *', '--tz', 'Europe/Berlin', '-n', '2', '--from', '2026-10-24T12:00:00Z'], offline);
    expect(autumn.stdout).toBe(
      '2026-10-25T00:30:00.000Z  Sun 2026-10-25 02:30:00 GMT+2\n2026-10-26T01:30:00.000Z  Mon 2026-10-26 02:30:00 GMT+1\n',
    );
  });

  it('runs a New York hourly job in real time across the fall-back, so the repeated hour fires twice an hour apart', async () => {
    const result = await dockhand(['schedule', 'next', '0 * * * *', '--tz', 'America/New_York', '-n', '3', '--from', '2026-11-01T04:30:00Z'], offline);
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual([
      '2026-11-01T05:00:00.000Z  Sun 2026-11-01 01:00:00 GMT-4',
      '2026-11-01T06:00:00.000Z  Sun 2026-11-01 01:00:00 GMT-5',
      '2026-11-01T07:00:00.000Z  Sun 2026-11-01 02:00:00 GMT-5',
    ]);
    const spring = await dockhand(['--json', 'schedule', 'next', '30 2 * * *', '--tz', 'America/New_York', '-n', '1', '--from', '2026-03-08T00:00:00Z'], offline);
    expect(JSON.parse(spring.stdout)).toEqual(['2026-03-08T07:30:00.000Z']);
  });

  it('names the field and value of a bad expression, and a bad zone, and exits 1', async () => {
    const bad = await dockhand(['schedule', 'next', '0 2 * * MON-FUN'], offline);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('cron field "day-of-week"');
    const zone = await dockhand(['schedule', 'next', '@daily', '--tz', 'Europe/Atlantis'], offline);
    expect(zone.code).toBe(1);
    expect(zone.stderr).toContain('time zone "Europe/Atlantis" is not a known IANA time zone');
  });
});

describe('dockhand schedule create | list | show | pause | resume | cancel | history', () => {
  it('manages a named cron schedule through its life, keeping its id', async () => {
    const created = await json<Schedule>([
      'schedule', 'create', 'report', '--cron', '0 3 1 1 *', '--tz', 'asia/tokyo', '--name', 'yearly',
      '--payload', '{"kind":"yearly"}', '--priority', '2', '--overlap', 'skip', '--missed', 'catch-up:2',
    ]);
    expect(created).toMatchObject({
      name: 'yearly', code_name: 'report', cron: '0 3 1 1 *', timezone: 'Asia/Tokyo', payload: '{"kind":"yearly"}',
      priority: 2, overlap: 'skip', missed: 'catch-up:2', status: 'scheduled', run_count: 0,
    });
    expect(new Date(created.next_start!).getUTCHours()).toBe(18); // 03:00 in Tokyo is 18:00 UTC the day before

    expect((await json<Schedule[]>(['schedule', 'list'])).map((s) => s.id)).toContain(created.id);
    expect((await json<Schedule>(['schedule', 'show', 'yearly'])).id).toBe(created.id);
    expect(await json<Schedule>(['schedule', 'pause', 'yearly'])).toMatchObject({ id: created.id, status: 'paused' });
    expect(await json<Schedule>(['schedule', 'resume', created.id])).toMatchObject({ id: created.id, status: 'scheduled' });
    expect(await json<ScheduleFiring[]>(['schedule', 'history', 'yearly'])).toEqual([]);
    expect(await json<Schedule>(['schedule', 'cancel', 'yearly'])).toMatchObject({ id: created.id, status: 'cancelled' });

    const resumeCancelled = await dockhand(['schedule', 'resume', created.id], fleet.env);
    expect(resumeCancelled.code).toBe(1);
    expect(resumeCancelled.stderr).toContain(`Schedule ${created.id} is cancelled`);
    // A cancelled schedule gives its name up.
    const reused = await json<Schedule>(['schedule', 'create', 'report', '--cron', '@yearly', '--name', 'yearly']);
    expect(reused.id).not.toBe(created.id);
    expect((await json<Schedule>(['schedule', 'cancel', 'yearly'])).id).toBe(reused.id);
  });

  it('refuses run_every below 60 seconds, an unknown code package, and two timings at once', async () => {
    const fast = await dockhand(['schedule', 'create', 'ping', '--every', '30'], fleet.env);
    expect(fast.code).toBe(1);
    expect(fast.stderr).toContain('every: must be at least 60 seconds, got 30');
    const unknown = await dockhand(['schedule', 'create', 'nope', '--cron', '@daily'], fleet.env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No code package named "nope"');
    const both = await dockhand(['schedule', 'create', 'ping', '--cron', '@daily', '--every', '300'], fleet.env);
    expect(both.code).toBe(2);
  });
});

describe('a firing', () => {
  it('queues an ordinary task with schedule_id, whose container sees SCHEDULE_ID', async () => {
    const at = new Date(Math.ceil(Date.now() / 1000) * 1000 + 2000).toISOString();
    const schedule = await json<Schedule>(['schedule', 'create', 'schedule-env', '--at', at]);
    const [firing] = await waitFor('the one-off to fire', async () => {
      const h = await json<ScheduleFiring[]>(['schedule', 'history', schedule.id]);
      return h.length > 0 ? h : undefined;
    }, 30_000, 500);
    expect(firing).toMatchObject({ at, outcome: 'queued' });
    const task = await fleet.client.tasks.wait(firing!.task_id!, { timeoutMs: 90_000 });
    expect(task).toMatchObject({ status: 'complete', schedule_id: schedule.id, code_name: 'schedule-env' });
    expect(await fleet.client.tasks.log(task.id)).toContain(`schedule=${schedule.id} task=${task.id}`);
    expect(await json<Schedule>(['schedule', 'show', schedule.id])).toMatchObject({ status: 'complete', run_count: 1, last_task_id: task.id });
  }, 120_000);
});

describe('dockhand schedule apply', () => {
  const fileA = (): string => path.join(dir, 'a.yaml');
  const fileB = (): string => path.join(dir, 'b.yaml');

  beforeAll(async () => {
    await writeFile(fileA(), [
      'schedules:',
      '  - name: nightly-report',
      '    code: report',
      '    cron: "0 2 29 2 *"',
      '    timezone: Europe/Berlin',
      '    payload: { kind: nightly }',
      '    overlap: skip',
      '    missed: run-once',
      '  - name: heartbeat',
      '    code: ping',
      '    every: 3600',
      '',
    ].join('\n'));
    await writeFile(fileB(), [
      'schedules:',
      '  - name: heartbeat',
      '    code: ping',
      '    every: 7200',
      '    payload: beat',
      '  - name: weekly',
      '    code: report',
      '    cron: "@weekly"',
      '',
    ].join('\n'));
  });

  it('creates by name, and applying the same file again changes nothing', async () => {
    expect(await json(['schedule', 'apply', '-f', fileA()])).toEqual({ created: ['nightly-report', 'heartbeat'], updated: [], deleted: [], unchanged: [] });
    const declared = (list: Schedule[]) => list.map(({ id, name, code_name, cron, timezone, every, start_at, payload, overlap, missed, status }) => ({ id, name, code_name, cron, timezone, every, start_at, payload, overlap, missed, status }));
    const before = declared(await json<Schedule[]>(['schedule', 'list']));
    expect(await json(['schedule', 'apply', '-f', fileA()])).toEqual({ created: [], updated: [], deleted: [], unchanged: ['nightly-report', 'heartbeat'] });
    const again = await dockhand(['schedule', 'apply', '-f', fileA()], fleet.env);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('');
    expect(again.stderr).toContain('0 created, 0 updated, 0 deleted, 2 unchanged');
    expect(declared(await json<Schedule[]>(['schedule', 'list']))).toEqual(before);
  });

  it('prints the plan, changes nothing with --dry-run, then updates in place and prunes', async () => {
    const heartbeat = await json<Schedule>(['schedule', 'show', 'heartbeat']);
    const dry = await dockhand(['schedule', 'apply', '-f', fileB(), '--prune', '--dry-run'], fleet.env);
    expect(dry.code).toBe(0);
    expect(dry.stdout.trim().split('\n')).toEqual([
      '~ update heartbeat: every 3600 -> 7200, payload (none) -> beat',
      '+ create weekly',
      '- delete nightly-report',
    ]);
    expect(dry.stderr).toContain('Dry run');
    expect((await json<Schedule>(['schedule', 'show', 'heartbeat'])).every).toBe(3600);

    expect(await json(['schedule', 'apply', '-f', fileB(), '--prune'])).toEqual({ created: ['weekly'], updated: ['heartbeat'], deleted: ['nightly-report'], unchanged: [] });
    const updated = await json<Schedule>(['schedule', 'show', 'heartbeat']);
    expect(updated).toMatchObject({ id: heartbeat.id, every: 7200, payload: 'beat', start_at: heartbeat.start_at });
    const missing = await dockhand(['schedule', 'show', 'nightly-report'], fleet.env);
    expect(missing.code).toBe(1);
    expect(await json(['schedule', 'apply', '-f', fileB(), '--prune'])).toEqual({ created: [], updated: [], deleted: [], unchanged: ['heartbeat', 'weekly'] });
  });

  it('reports every problem of a file with its line and applies nothing', async () => {
    const bad = path.join(dir, 'bad.yaml');
    await writeFile(bad, [
      'schedules:', //                    1
      '  - name: fine', //                2
      '    code: report', //              3
      '    cron: "@daily"', //            4
      '  - name: broken', //              5
      '    code: report', //              6
      '    cron: "0 24 * * *"', //        7
      '    missed: later', //             8
      '  - name: nameless-code', //       9
      '    every: 600', //                10
      '',
    ].join('\n'));
    const result = await dockhand(['schedule', 'apply', '-f', bad], fleet.env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${bad}:7: schedule 2 (cron): cron field "hour" has an invalid value "24"`);
    expect(result.stderr).toContain(`${bad}:8: schedule 2 (missed): missed-run policy "later" is not valid`);
    expect(result.stderr).toContain(`${bad}:9: schedule 3 (code): code is required`);
    expect(result.stderr).toContain('has 3 problems; nothing was applied');
    expect((await json<Schedule[]>(['schedule', 'list'])).map((s) => s.name)).not.toContain('fine');

    const unknownCode = path.join(dir, 'unknown-code.yaml');
    await writeFile(unknownCode, 'schedules:\n  - name: fine\n    code: report\n    cron: "@daily"\n  - name: ghost\n    code: nope\n    every: 60\n');
    const server = await dockhand(['schedule', 'apply', '-f', unknownCode], fleet.env);
    expect(server.code).toBe(1);
    expect(server.stderr).toContain(`${unknownCode}:6: schedule 2 (code): no code package named "nope" in this project`);
    expect((await json<Schedule[]>(['schedule', 'list'])).map((s) => s.name)).not.toContain('fine');
  });

  it('makes dockhand up --schedules refuse a broken file before it starts anything', async () => {
    const bad = path.join(dir, 'up-bad.yaml');
    await writeFile(bad, 'schedules:\n  - name: x\n    code: report\n    cron: "99 * * * *"\n');
    const result = await dockhand(['up', '--schedules', bad, '--no-smoke'], { ...fleet.env, DOCKHAND_DATA_DIR: dir }, 30_000);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${bad}:4: schedule 1 (cron): cron field "minute" has an invalid value "99"`);
    expect(result.stderr).not.toContain('==>');
  });
});
