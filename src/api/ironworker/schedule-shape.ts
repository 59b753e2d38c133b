/**
 * A Dockhand schedule as IronWorker clients read it: `run_every` for Dockhand's `every`, `msg` for why a
 * schedule stopped, and Dockhand's extras (`name`, `cron`, `timezone`, `overlap`, `missed`,
 * `last_task_id`) kept alongside. Statuses are Dockhand's: `scheduled` and `complete` as in
 * IronWorker, plus `paused`, `cancelled` and `stopped`.
 *
 *   reply.send({ schedules: schedules.map(ironSchedule) });
 */
import type { Schedule } from '../../core/model.ts';
import { presentWithPayload } from '../present.ts';

export interface IronSchedule {
  id: string;
  project_id: string;
  code_name: string;
  payload: string;
  status: Schedule['status'];
  created_at: string;
  updated_at: string;
  run_count: number;
  start_at?: string;
  end_at?: string;
  run_every?: number;
  run_times?: number;
  next_start?: string;
  last_run_time?: string;
  priority?: number;
  timeout?: number;
  cluster?: string;
  label?: string;
  msg?: string;
  name?: string;
  cron?: string;
  timezone?: string;
  overlap: string;
  missed: string;
  last_task_id?: string;
}

export function ironSchedule(stored: Schedule): IronSchedule {
  const schedule = presentWithPayload(stored);
  const shaped: IronSchedule = {
    id: schedule.id,
    project_id: schedule.project_id,
    code_name: schedule.code_name,
    payload: schedule.payload,
    status: schedule.status,
    created_at: schedule.created_at,
    updated_at: schedule.updated_at,
    run_count: schedule.run_count,
    overlap: schedule.overlap,
    missed: schedule.missed,
  };
  // A one-off's instant is IronWorker's start_at.
  const startAt = schedule.start_at ?? schedule.at;
  if (startAt !== undefined) shaped.start_at = startAt;
  if (schedule.every !== undefined) shaped.run_every = schedule.every;
  if (schedule.status_reason !== undefined) shaped.msg = schedule.status_reason;
  const optional = ['end_at', 'run_times', 'next_start', 'last_run_time', 'priority', 'timeout', 'cluster', 'label', 'name', 'cron', 'timezone', 'last_task_id'] as const;
  for (const field of optional) {
    const value = schedule[field];
    if (value !== undefined && value !== null) (shaped as unknown as Record<string, unknown>)[field] = value;
  }
  return shaped;
}
