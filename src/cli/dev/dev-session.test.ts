import { describe, expect, it } from 'vitest';
import { DockhandApiError, type Dockhand } from '../../sdk/index.ts';
import type { DevEvent } from './dev-events.ts';
import { DevSession } from './dev-session.ts';

/** A fleet in memory: uploads make revisions, a queued task runs until `finish` or a cancel. */
class FakeFleet {
  revisions: number[] = [];
  deleted = false;
  cancelled: string[] = [];
  private tasks = new Map<string, { status: string; end: () => void; ended: Promise<void> }>();
  private count = 0;

  constructor(current?: number) {
    if (current !== undefined) this.revisions.push(current);
  }

  finish(id: string): void {
    const task = this.tasks.get(id)!;
    task.status = 'complete';
    task.end();
  }

  readonly client = {
    codes: {
      get: async () => {
        if (this.revisions.length === 0) throw new DockhandApiError(404, 'DH_ERR_CODE_NOT_FOUND', 'none');
        return { rev: this.revisions.at(-1) };
      },
      upload: async () => {
        const rev = (this.revisions.at(-1) ?? 0) + 1;
        this.revisions.push(rev);
        return { rev };
      },
      restore: async (_name: string, rev: number) => {
        const copy = (this.revisions.at(-1) ?? 0) + 1;
        this.revisions.push(copy);
        return { rev: copy, restored_from: rev };
      },
      delete: async () => {
        this.deleted = true;
      },
    },
    tasks: {
      queue: async () => {
        const id = `t${++this.count}`;
        let end = (): void => undefined;
        const ended = new Promise<void>((resolve) => (end = resolve));
        this.tasks.set(id, { status: 'running', end, ended });
        return { id };
      },
      logs: (id: string) => {
        const task = this.tasks.get(id)!;
        return (async function* () {
          yield { stream: 'stdout', data: `${id} says hi\n` };
          await task.ended;
        })();
      },
      wait: async (id: string) => ({ id, status: this.tasks.get(id)!.status }),
      trace: async () => ({ spans: [] }),
      cancel: async (id: string) => {
        this.cancelled.push(id);
        const task = this.tasks.get(id)!;
        task.status = 'cancelled';
        task.end();
        return { id };
      },
    },
  };
}

async function until(events: DevEvent[], match: (e: DevEvent) => boolean): Promise<DevEvent> {
  for (let i = 0; i < 200; i++) {
    const found = events.find(match);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`not seen; events: ${JSON.stringify(events)}`);
}

function session(fleet: FakeFleet, keep = false): { dev: DevSession; events: DevEvent[] } {
  const events: DevEvent[] = [];
  const dev = new DevSession(fleet.client as unknown as Dockhand, { dir: '.', name: 'x', stack: 'node-20', payload: () => undefined, keep }, (e) => events.push(e));
  return { dev, events };
}

describe('DevSession', () => {
  it('cancels the running task on a change and runs the newest code', async () => {
    const fleet = new FakeFleet();
    const { dev, events } = session(fleet);
    await dev.start();
    await until(events, (e) => e.event === 'log');
    dev.changed(['index.js']);
    await until(events, (e) => e.event === 'finished' && e.task.id === 't1');
    expect(events.find((e) => e.event === 'cancelling')).toEqual({ event: 'cancelling', task_id: 't1' });
    await until(events, (e) => e.event === 'queued' && e.task_id === 't2');
    fleet.finish('t2');
    const done = await until(events, (e) => e.event === 'finished' && e.task.id === 't2');
    expect(done).toMatchObject({ task: { status: 'complete' } });
    expect(fleet.revisions).toEqual([1, 2]);
    await dev.stop();
  });

  it('on stop cancels the running task and deletes a package it created', async () => {
    const fleet = new FakeFleet();
    const { dev, events } = session(fleet);
    await dev.start();
    await until(events, (e) => e.event === 'log');
    await dev.stop();
    expect(fleet.cancelled).toEqual(['t1']);
    expect(fleet.deleted).toBe(true);
    expect(events.at(-1)).toEqual({ event: 'stopped', cancelled: 't1', deleted: true, kept: false });
  });

  it('on stop restores the revision current before it, unless asked to keep its own', async () => {
    const restoring = new FakeFleet(4);
    const first = session(restoring);
    await first.dev.start();
    await until(first.events, (e) => e.event === 'log');
    await first.dev.stop();
    expect(first.events.at(-1)).toMatchObject({ event: 'stopped', restored_rev: 6, kept: false });

    const keeping = new FakeFleet(4);
    const second = session(keeping, true);
    await second.dev.start();
    await until(second.events, (e) => e.event === 'log');
    await second.dev.stop();
    expect(keeping.revisions).toEqual([4, 5]);
    expect(second.events.at(-1)).toMatchObject({ event: 'stopped', kept: true });
  });
});
