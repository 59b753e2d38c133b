import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ATTEMPT_STATUSES, TASK_STATUSES, TASK_TRANSITIONS } from '../../core/task-status.ts';
import { scriptSource } from './scripts.ts';
import { taskLifecycleLua } from './task-lifecycle-lua.ts';

const SCRIPTS_DIR = path.join(import.meta.dirname, 'scripts');

/** Reads a Lua set literal `{ a = true, b = true }` back into its names. */
function setNames(literal: string): string[] {
  return [...literal.matchAll(/(\w+) = true/g)].map((m) => m[1]!);
}

function luaFiles(): { name: string; text: string }[] {
  const names = [...readdirSync(SCRIPTS_DIR).filter((f) => f.endsWith('.lua')), ...readdirSync(path.join(SCRIPTS_DIR, 'lib')).map((f) => `lib/${f}`)];
  return names.map((name) => ({ name, text: readFileSync(path.join(SCRIPTS_DIR, name), 'utf8') }));
}

/** Scripts that write a `status` field of a schedule hash (schedule statuses are not the task lifecycle). */
const SCHEDULE_STATUS_WRITERS = ['change-schedule.lua', 'claim-firings.lua', 'complete-firing.lua', 'lib/schedule-end.lua'];

describe('the task lifecycle in the Lua scripts', () => {
  it('is the TypeScript table, status for status and transition for transition', () => {
    const lua = taskLifecycleLua();
    const statuses = /local TASK_STATUSES = \{ (.*) \}/.exec(lua)?.[1]?.split(', ').map((s) => s.replaceAll("'", ''));
    expect(statuses).toEqual([...TASK_STATUSES]);
    expect(setNames(/local ATTEMPT_STATUSES = (\{.*\})/.exec(lua)?.[1] ?? '')).toEqual([...ATTEMPT_STATUSES]);
    for (const from of TASK_STATUSES) {
      const row = new RegExp(`^  ${from} = (\\{.*\\}),$`, 'm').exec(lua)?.[1];
      expect(setNames(row ?? ''), `transitions from ${from}`).toEqual([...TASK_TRANSITIONS[from]]);
    }
  });

  it("is what every script that writes a task's status runs, with no status list of its own", () => {
    for (const name of ['transitionTask', 'settleAttempt', 'claimTask', 'recoverNode'] as const) {
      const text = scriptSource(name);
      expect(text, name).toContain(taskLifecycleLua());
      expect(text, name).toContain('change_task_status(');
    }
    for (const { name, text } of luaFiles()) {
      // A hand-written list of the statuses in order is a second copy of the table.
      expect(text, `${name} lists the task statuses itself; use TASK_STATUSES from lib/task-status.lua`).not.toMatch(/'queued',\s*'preparing',\s*'running'/);
    }
  });

  it("writes a task's status only through change_task_status (lib/task-status.lua)", () => {
    const writers = luaFiles()
      .filter(({ text }) => /HSET',\s*[^,]+,\s*'status'/.test(text))
      .map(({ name }) => name)
      .sort();
    // If this fails for a new script that sets a task's status: call change_task_status instead, so the
    // lifecycle table of src/core/task-status.ts is checked. A new schedule-status writer goes in the list.
    expect(writers).toEqual(['lib/task-status.lua', ...SCHEDULE_STATUS_WRITERS].sort());
  });
});
