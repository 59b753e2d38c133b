/**
 * Loads the Lua scripts under ./scripts once and registers them on an ioredis client as commands.
 * One script per file, each documenting its keys, arguments and return values at its head.
 */
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

const SCRIPTS = {
  transitionTask: { file: 'transition-task.lua', keys: 8 },
  createTask: { file: 'create-task.lua', keys: 4 },
  createSchedule: { file: 'create-schedule.lua', keys: 4 },
  changeSchedule: { file: 'change-schedule.lua', keys: 3 },
  claimFirings: { file: 'claim-firings.lua', keys: 6 },
  completeFiring: { file: 'complete-firing.lua', keys: 4 },
  takeOverFiring: { file: 'take-over-firing.lua', keys: 2 },
  deleteSchedule: { file: 'delete-schedule.lua', keys: 7 },
  settleDue: { file: 'settle-due.lua', keys: 2 },
} as const;

export type ScriptName = keyof typeof SCRIPTS;

const sources = new Map<ScriptName, string>();

function source(name: ScriptName): string {
  let text = sources.get(name);
  if (!text) {
    text = readFileSync(new URL(`./scripts/${SCRIPTS[name].file}`, import.meta.url), 'utf8');
    sources.set(name, text);
  }
  return text;
}

const registered = new WeakSet<Redis>();

export function registerScripts(redis: Redis): void {
  if (registered.has(redis)) return;
  for (const name of Object.keys(SCRIPTS) as ScriptName[]) {
    redis.defineCommand(name, { numberOfKeys: SCRIPTS[name].keys, lua: source(name) });
  }
  registered.add(redis);
}

export async function runScript(redis: Redis, name: ScriptName, keys: string[], args: (string | number)[]): Promise<unknown> {
  registerScripts(redis);
  const command = (redis as unknown as Record<string, (...a: (string | number)[]) => Promise<unknown>>)[name];
  if (!command) throw new Error(`Redis script ${name} is not registered`);
  return command.call(redis, ...keys, ...args);
}
