import { describe, expect, it } from 'vitest';
import type { CodeRevision, Task } from '../../core/model.ts';
import { ironCode, ironRevision, revisionId } from './code-shape.ts';
import { ironSchedule } from './schedule-shape.ts';
import { ironTask } from './task-shape.ts';

const task: Task = {
  id: '6763a1f09c2e4b7d1a0f3e55', project_id: 'p'.repeat(24), code_name: 'hello', code_id: 'c'.repeat(24), code_rev: 3,
  status: 'error', priority: 1, timeout: 60, delay: 0, cluster: 'default', payload: '{}', created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:05.000Z', start_time: '2026-01-01T00:00:01.000Z', end_time: '2026-01-01T00:00:04.500Z',
  duration: 3500, exit_code: 3, msg: 'exited with code 3', error_class: 'Process Exit 3', attempts: 2, trace_id: 't'.repeat(32), node_id: 'n1',
};

const revision: CodeRevision = {
  id: 'c'.repeat(24), project_id: 'p'.repeat(24), name: 'hello', rev: 2, stack: 'default', runtime: 'sh', file_name: '__runner__.sh',
  command: 'sh __runner__.sh', env_vars: { A: 'b' }, config: '', max_concurrency: -1, retries: 0, retries_delay: 60, timeout: 3600,
  memory: 512, cpus: 1, network: false, default_priority: 0, archive_sha256: 'a'.repeat(64), archive_size: 1234, file_count: 2,
  created_at: '2026-01-02T00:00:00.000Z',
};

describe('tasks in IronWorker shape', () => {
  it('uses IronWorker\'s names and types, counts retries after the first attempt and keeps Dockhand extras', () => {
    expect(ironTask(task)).toEqual({
      id: task.id, project_id: task.project_id, code_id: task.code_id, code_name: 'hello', code_rev: '3', status: 'error',
      created_at: task.created_at, updated_at: task.updated_at, priority: 1, timeout: 60, delay: 0, payload: '{}', cluster: 'default',
      retry_count: 1, start_time: task.start_time, end_time: task.end_time, duration: 3500, msg: 'exited with code 3',
      error_class: 'Process Exit 3', exit_code: 3,
    });
  });

  it('masks secret-looking payload keys in what it shows', () => {
    expect(ironTask({ ...task, payload: '{"user":"ann","api_key":"k-1"}' }).payload).toBe('{"user":"ann","api_key":"********"}');
  });

  it('leaves out fields without a value and internal ones', () => {
    const shaped = ironTask({ ...task, status: 'queued', attempts: 0, start_time: undefined, end_time: undefined, duration: undefined } as unknown as Task);
    expect(shaped).not.toHaveProperty('start_time');
    expect(shaped).not.toHaveProperty('trace_id');
    expect(shaped).not.toHaveProperty('node_id');
    expect(shaped.retry_count).toBe(0);
  });
});

describe('code packages in IronWorker shape', () => {
  it('shows when the package was first created and when it last changed', () => {
    const first = { ...revision, rev: 1, created_at: '2025-12-31T00:00:00.000Z' };
    expect(ironCode(revision, first)).toMatchObject({
      id: revision.id, name: 'hello', rev: 2, created_at: first.created_at, latest_change: revision.created_at,
      runtime: 'sh', file_name: '__runner__.sh', stack: 'default', latest_history_id: revisionId(revision.id, 2),
    });
    expect(ironCode(revision)).toMatchObject({ created_at: revision.created_at });
  });

  it('masks secret-looking env vars and config keys', () => {
    const secretive = { ...revision, env_vars: { DB_PASSWORD: 'p', REGION: 'eu' }, config: '{"token":"t","mode":"x"}' };
    expect(ironCode(secretive)).toMatchObject({ env_vars: { DB_PASSWORD: '********', REGION: 'eu' }, config: '{"token":"********","mode":"x"}' });
    expect(ironRevision(secretive).env_vars['DB_PASSWORD']).toBe('********');
  });

  it('gives each revision its own stable id, the package id as code_id and the archive size', () => {
    const shaped = ironRevision(revision);
    expect(shaped).toMatchObject({ code_id: revision.id, rev: 2, code_size: 1234, updated_at: revision.created_at });
    expect(shaped.id).toMatch(/^[0-9a-f]{24}$/);
    expect(shaped.id).toBe(revisionId(revision.id, 2));
    expect(revisionId(revision.id, 1)).not.toBe(shaped.id);
  });
});

describe('schedules in IronWorker shape', () => {
  const schedule = {
    id: 's'.repeat(24), project_id: 'p'.repeat(24), code_name: 'hello', every: 60, start_at: '2026-03-01T10:00:00.000Z', run_times: 3,
    overlap: 'allow', missed: 'skip', payload: '{}', status: 'scheduled' as const, run_count: 1, last_run_time: '2026-03-01T10:00:00.100Z',
    next_start: '2026-03-01T10:01:00.000Z', created_at: '2026-03-01T09:59:57.000Z', updated_at: '2026-03-01T10:00:00.100Z', last_handled: 'x',
  };

  it('calls every run_every and keeps IronWorker\'s counters and times', () => {
    expect(ironSchedule(schedule)).toEqual({
      id: schedule.id, project_id: schedule.project_id, code_name: 'hello', payload: '{}', status: 'scheduled', created_at: schedule.created_at,
      updated_at: schedule.updated_at, run_count: 1, overlap: 'allow', missed: 'skip', start_at: schedule.start_at, run_every: 60, run_times: 3,
      next_start: schedule.next_start, last_run_time: schedule.last_run_time,
    });
  });

  it('shows a one-off\'s instant as start_at and why a schedule stopped as msg', () => {
    const once = { ...schedule, every: undefined, start_at: undefined, at: '2026-03-02T00:00:00.000Z', status: 'stopped' as const, status_reason: 'its code package was deleted' };
    expect(ironSchedule(once)).toMatchObject({ start_at: once.at, msg: once.status_reason, status: 'stopped' });
    expect(ironSchedule(once)).not.toHaveProperty('run_every');
  });
});
