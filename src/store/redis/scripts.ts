/**
 * Loads the Lua scripts under ./scripts once and registers them on an ioredis client as commands.
 * One script per file, each documenting its keys, arguments and return values at its head. A line
 * `--!include lib/x.lua` is replaced by that file, so helpers shared by scripts exist once; a line
 * `--!include generated:name` by text written from TypeScript (the task lifecycle table).
 */
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { taskLifecycleLua } from './task-lifecycle-lua.ts';

const SCRIPTS = {
  transitionTask: { file: 'transition-task.lua', keys: 8 },
  createSchedule: { file: 'create-schedule.lua', keys: 4 },
  changeSchedule: { file: 'change-schedule.lua', keys: 4 },
  claimFirings: { file: 'claim-firings.lua', keys: 6 },
  completeFiring: { file: 'complete-firing.lua', keys: 4 },
  takeOverFiring: { file: 'take-over-firing.lua', keys: 2 },
  deleteSchedule: { file: 'delete-schedule.lua', keys: 7 },
  settleDue: { file: 'settle-due.lua', keys: 2 },
  // A batch declares 7 keys per task, so the caller says how many.
  queueTasks: { file: 'queue-tasks.lua', keys: 'per call' },
  promoteDelayed: { file: 'promote-delayed.lua', keys: 1 },
  claimTask: { file: 'claim-task.lua', keys: 5 },
  settleAttempt: { file: 'settle-attempt.lua', keys: 14 },
  nodeHeartbeat: { file: 'node-heartbeat.lua', keys: 3 },
  recoverNode: { file: 'recover-node.lua', keys: 1 },
  unparkCode: { file: 'unpark-code.lua', keys: 1 },
  // One key per trace of the batch.
  appendSpans: { file: 'append-spans.lua', keys: 'per call' },
  expireTask: { file: 'expire-task.lua', keys: 8 },
} as const;

export type ScriptName = keyof typeof SCRIPTS;

const sources = new Map<ScriptName, string>();

function source(name: ScriptName): string {
  let text = sources.get(name);
  if (!text) {
    text = withIncludes(readScript(SCRIPTS[name].file));
    sources.set(name, text);
  }
  return text;
}

function readScript(file: string): string {
  return readFileSync(new URL(`./scripts/${file}`, import.meta.url), 'utf8');
}

/** Text a script includes that is written from TypeScript, not kept as a file. */
const GENERATED: Record<string, () => string> = {
  'generated:task-lifecycle': taskLifecycleLua,
};

function withIncludes(text: string): string {
  // Included files may include others (lib/task-status.lua includes the generated table).
  return text.replace(/^--!include (\S+)$/gm, (_line, file: string) => withIncludes(GENERATED[file]?.() ?? readScript(file)));
}

/** The full text of a script with its includes, as Redis runs it (for tests and debugging). */
export function scriptSource(name: ScriptName): string {
  return source(name);
}

const registered = new WeakSet<Redis>();

export function registerScripts(redis: Redis): void {
  if (registered.has(redis)) return;
  for (const name of Object.keys(SCRIPTS) as ScriptName[]) {
    const keys = SCRIPTS[name].keys;
    redis.defineCommand(name, { ...(typeof keys === 'number' ? { numberOfKeys: keys } : {}), lua: source(name) });
  }
  registered.add(redis);
}

export async function runScript(redis: Redis, name: ScriptName, keys: string[], args: (string | number)[]): Promise<unknown> {
  registerScripts(redis);
  const command = (redis as unknown as Record<string, (...a: (string | number)[]) => Promise<unknown>>)[name];
  if (!command) throw new Error(`Redis script ${name} is not registered`);
  // A script registered without a key count takes it as its first argument.
  return typeof SCRIPTS[name].keys === 'number' ? command.call(redis, ...keys, ...args) : command.call(redis, keys.length, ...keys, ...args);
}
