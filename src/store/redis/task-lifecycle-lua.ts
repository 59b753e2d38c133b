/**
 * The task lifecycle table of core/task-status.ts written out as Lua, so the scripts that write a
 * task's `status` check the very table the TypeScript code reads. scripts.ts puts this text where a
 * script (lib/task-status.lua) says `--!include generated:task-lifecycle`; nothing writes it by hand.
 */
import { ATTEMPT_STATUSES, TASK_STATUSES, TASK_TRANSITIONS } from '../../core/task-status.ts';

const quoted = (status: string): string => `'${status}'`;
const asSet = (statuses: readonly string[]): string => `{ ${statuses.map((s) => `${s} = true`).join(', ')} }`;

export function taskLifecycleLua(): string {
  const transitions = TASK_STATUSES.map((from) => `  ${from} = ${asSet(TASK_TRANSITIONS[from])},`);
  return [
    '-- Generated from src/core/task-status.ts when the scripts load (store/redis/task-lifecycle-lua.ts).',
    `local TASK_STATUSES = { ${TASK_STATUSES.map(quoted).join(', ')} }`,
    `local ATTEMPT_STATUSES = ${asSet(ATTEMPT_STATUSES)}`,
    'local TASK_TRANSITIONS = {',
    ...transitions,
    '}',
  ].join('\n');
}
