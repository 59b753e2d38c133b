/**
 * A stack's smoke test, as data: the tiny program from its definition, written as the stack's default
 * entry file, run with the stack's run command and payload, and judged by whether its output holds
 * the expected text. Running it is the caller's part (a real task container through the worker's
 * runner), so this stays pure.
 *
 *   const run = smokeRun(catalog, 'node-20');   // { command: 'node index.js', files: {...}, payload }
 *   judgeSmoke(catalog.get('node-20'), { status: 'complete', log }) // { passed: true }
 */
import type { StackCatalog } from './catalog.ts';
import type { StackDefinition } from './definition.ts';

export interface SmokeRun {
  command: string;
  /** Files of the code package, by path inside the task directory. */
  files: Record<string, string>;
  /** The payload as the task receives it (JSON text, or empty). */
  payload: string;
}

export interface SmokeOutcome {
  status: string;
  exitCode?: number;
  log: string;
}

export type SmokeVerdict = { passed: true } | { passed: false; reason: string };

export function smokeRun(catalog: StackCatalog, name: string): SmokeRun {
  const def = catalog.get(name);
  return {
    command: catalog.runCommand(name),
    files: { [def.entry]: def.smoke.source },
    payload: def.smoke.payload === undefined ? '' : JSON.stringify(def.smoke.payload),
  };
}

export function judgeSmoke(def: StackDefinition, outcome: SmokeOutcome): SmokeVerdict {
  if (outcome.status !== 'complete') {
    return { passed: false, reason: `the smoke program ended ${outcome.status}${outcome.exitCode !== undefined ? ` with exit code ${outcome.exitCode}` : ''}: ${lastLine(outcome.log)}` };
  }
  if (!outcome.log.includes(def.smoke.expect)) {
    return { passed: false, reason: `expected output containing ${JSON.stringify(def.smoke.expect)}, got ${JSON.stringify(lastLine(outcome.log))}` };
  }
  return { passed: true };
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return (lines[lines.length - 1] ?? '').slice(0, 300) || '(no output)';
}
