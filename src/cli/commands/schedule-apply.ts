/**
 * `dockhand schedule apply -f FILE [--prune] [--dry-run]`: checks the definitions file locally (every
 * problem, each with its line), sends it to the server, and prints the plan it carried out:
 *
 *   + create nightly-report
 *   ~ update heartbeat: every 300 -> 600
 *   - delete old-report
 *
 * With --json, stdout is `{created, updated, deleted, unchanged}` (names). Problems the server finds
 * (a code package that does not exist, a run_every below its floor) are mapped back to their lines too.
 */
import { readFileSync } from 'node:fs';
import { formatPlanLines, formatPlanSummary } from '../../core/schedule/apply-plan.ts';
import { parseDefinitionsFile, describeDefinitionIssue, type DefinitionIssue } from '../../core/schedule/definitions-file.ts';
import { DockhandApiError, type ApplyResult, type Dockhand } from '../../sdk/index.ts';
import { CliExit, EXIT_CODES, info, printJson } from '../output.ts';

export interface ApplyCommandOptions {
  file: string;
  prune: boolean;
  dryRun: boolean;
  json: boolean;
}

export async function applyDefinitionsFile(client: () => Dockhand, options: ApplyCommandOptions): Promise<ApplyResult> {
  let text: string;
  try {
    text = readFileSync(options.file, 'utf8');
  } catch (err) {
    throw new CliExit(EXIT_CODES.failed, `Cannot read ${options.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
  }
  // The server enforces its own run_every floor; locally only the shape is checked.
  const file = parseDefinitionsFile(text, { minRunEvery: 1, now: new Date() });
  if (file.issues.length > 0) fail(options.file, file.issues);
  const entries = (file.content as { schedules: unknown[] }).schedules;

  let result: ApplyResult;
  try {
    result = await client().schedules.apply(entries, { prune: options.prune, dryRun: options.dryRun });
  } catch (err) {
    const issues = serverIssues(err);
    if (!issues) throw err;
    fail(options.file, issues.map((issue) => {
      const line = file.lineOf(issue.index, issue.path);
      return line === undefined ? issue : { ...issue, line };
    }));
  }

  if (options.json) {
    printJson({ created: result.created, updated: result.updated, deleted: result.deleted, unchanged: result.unchanged });
  } else {
    for (const line of formatPlanLines(result)) console.log(line);
    info(formatPlanSummary(result, options.file));
  }
  return result;
}

function fail(file: string, issues: readonly DefinitionIssue[]): never {
  for (const issue of issues) info(`${file}:${issue.line ?? 1}: ${describeDefinitionIssue(issue)}`);
  throw new CliExit(EXIT_CODES.failed, `${file} has ${issues.length} problem${issues.length === 1 ? '' : 's'}; nothing was applied.`);
}

function serverIssues(err: unknown): DefinitionIssue[] | undefined {
  if (!(err instanceof DockhandApiError) || err.code !== 'DH_ERR_VALIDATION') return undefined;
  const issues = (err.details as { issues?: unknown } | undefined)?.issues;
  if (!Array.isArray(issues) || issues.length === 0) return undefined;
  return issues.filter((i): i is DefinitionIssue => typeof i === 'object' && i !== null && typeof (i as DefinitionIssue).message === 'string');
}
