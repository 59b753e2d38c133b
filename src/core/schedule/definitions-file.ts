/**
 * The cron definitions file that `dockhand schedule apply -f` and `dockhand up --schedules` read
 * (docs/schedules.md, "Definitions file and `schedule apply`"): YAML with a `schedules` list, each entry keyed by `name`. Checked as a whole with zod
 * and core/schemas/schedule-request.ts, so every mistake is reported at once, each with its line.
 *
 *   const file = parseDefinitionsFile(readFileSync('schedules.yaml', 'utf8'));
 *   for (const issue of file.issues) console.error(`schedules.yaml:${issue.line}: ${issue.message}`);
 *
 *   schedules:
 *     - name: nightly-report      # the key: apply creates, updates or (with --prune) deletes by name
 *       code: report
 *       cron: "0 2 * * *"
 *       timezone: Europe/Berlin
 *
 * Entry fields are those of POST /v1/schedules, with `code` for `code_name`. Pure: text in, data out.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { checkScheduleRequest, type ScheduleRequest } from '../schemas/schedule-request.ts';
import type { ScheduleDefinition } from './definition.ts';
import type { ScheduleSchemaOptions } from './schema.ts';

export interface DefinitionIssue {
  /** The entry's position in `schedules`, when the issue is about one entry. */
  index?: number;
  /** The field within the entry (file names: `code`, `cron`, ...), or '' for the entry or file. */
  path: string;
  message: string;
  /** 1-based line in the file, when the issue came from text. */
  line?: number;
}

export interface DefinitionEntry {
  index: number;
  name: string;
  request: ScheduleRequest;
  definition: ScheduleDefinition;
}

export interface CheckedDefinitions {
  entries: DefinitionEntry[];
  issues: DefinitionIssue[];
}

/** The file's `code` is the API's `code_name`; every other field keeps its name. */
export function entryToRequest(entry: Record<string, unknown>): Record<string, unknown> {
  const { code, ...rest } = entry;
  return code === undefined ? rest : { ...rest, code_name: code };
}

/**
 * Checks the file's content (already parsed from YAML or JSON). Entries with issues are left out of
 * `entries`; a caller should act only when `issues` is empty.
 */
export function checkDefinitions(content: unknown, options: ScheduleSchemaOptions = {}): CheckedDefinitions {
  const issues: DefinitionIssue[] = [];
  const entries: DefinitionEntry[] = [];
  if (content === null || content === undefined) return { entries, issues: [{ path: '', message: 'the file is empty; it needs a `schedules:` list' }] };
  if (typeof content !== 'object' || Array.isArray(content)) {
    return { entries, issues: [{ path: '', message: 'the file must be a mapping with a `schedules:` list' }] };
  }
  const top = content as Record<string, unknown>;
  for (const key of Object.keys(top)) if (key !== 'schedules') issues.push({ path: key, message: `unknown top-level key "${key}"; the file holds only \`schedules:\`` });
  const list = top['schedules'];
  if (list === undefined || list === null) return { entries, issues: [...issues, { path: 'schedules', message: 'a `schedules:` list is required (it may be empty: `schedules: []`)' }] };
  if (!Array.isArray(list)) return { entries, issues: [...issues, { path: 'schedules', message: '`schedules` must be a list of schedules' }] };

  const firstIndexOfName = new Map<string, number>();
  list.forEach((item: unknown, index) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      issues.push({ index, path: '', message: 'each schedule is a mapping with at least name, code and when it runs' });
      return;
    }
    const entry = item as Record<string, unknown>;
    const entryIssues: DefinitionIssue[] = [];
    const name = entry['name'];
    if (name === undefined || name === null) entryIssues.push({ index, path: 'name', message: 'name is required: apply matches schedules by name' });
    if (entry['code_name'] !== undefined) entryIssues.push({ index, path: 'code_name', message: 'write `code:` in a definitions file' });
    if (entry['code'] === undefined) entryIssues.push({ index, path: 'code', message: 'code is required: the code package each firing runs' });
    if (typeof name === 'string') {
      const first = firstIndexOfName.get(name);
      if (first !== undefined) entryIssues.push({ index, path: 'name', message: `the name "${name}" is already used by schedule ${first + 1} of the file` });
      else firstIndexOfName.set(name, index);
    }
    const checked = checkScheduleRequest(entryToRequest(entry), options);
    if (!checked.ok) {
      for (const issue of checked.issues) {
        const path = issue.path === 'code_name' ? 'code' : issue.path;
        // "code_name" is missing is already reported above in the file's own terms.
        if (path === 'code' && entry['code'] === undefined) continue;
        entryIssues.push({ index, path, message: issue.message.replace('"code_name"', '"code"') });
      }
    }
    issues.push(...entryIssues);
    if (entryIssues.length === 0 && checked.ok && typeof name === 'string') {
      entries.push({ index, name, request: checked.request, definition: checked.definition });
    }
  });
  return { entries, issues };
}

export interface ParsedDefinitionsFile extends CheckedDefinitions {
  /** The plain content (for sending to a server), when the YAML itself parsed. */
  content: unknown;
  /** The line of an issue a server reported for entry `index` and field `path`. */
  lineOf(index: number | undefined, path: string): number | undefined;
}

/** Parses the YAML text and checks it; every issue carries its line. */
export function parseDefinitionsFile(text: string, options: ScheduleSchemaOptions = {}): ParsedDefinitionsFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineOf = (index: number | undefined, path: string): number | undefined => {
    const offset = locate(doc, index, path);
    return offset === undefined ? undefined : lineCounter.linePos(offset).line;
  };
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((err) => ({
      path: '',
      message: `invalid YAML: ${err.message.split('\n')[0] ?? err.code}`,
      line: lineCounter.linePos(err.pos[0]).line,
    }));
    return { entries: [], issues, content: undefined, lineOf };
  }
  const content: unknown = doc.toJS();
  const checked = checkDefinitions(content, options);
  const issues = checked.issues.map((issue) => {
    const line = lineOf(issue.index, issue.path);
    return line === undefined ? issue : { ...issue, line };
  });
  return { entries: checked.entries, issues, content, lineOf };
}

/** How an issue reads in a message: `schedules[2].cron: ...` (1-based entry numbers read better in files). */
export function describeDefinitionIssue(issue: DefinitionIssue): string {
  const where = issue.index === undefined ? issue.path : `schedule ${issue.index + 1}${issue.path ? ` (${issue.path})` : ''}`;
  return where ? `${where}: ${issue.message}` : issue.message;
}

/** The source offset of the most specific node for (entry index, field path): the key when it exists. */
function locate(doc: Document, index: number | undefined, path: string): number | undefined {
  const top = doc.contents;
  if (!isMap(top)) return rangeStart(top);
  const schedulesPair = top.items.find((pair) => isScalar(pair.key) && pair.key.value === 'schedules');
  if (index === undefined) {
    if (path === '' || path === 'schedules') return rangeStart(schedulesPair?.key as Node | undefined) ?? rangeStart(top);
    const pair = top.items.find((p) => isScalar(p.key) && p.key.value === path);
    return rangeStart(pair?.key as Node | undefined) ?? rangeStart(top);
  }
  const list = schedulesPair?.value;
  if (!isSeq(list)) return rangeStart(top);
  const entry = list.items[index] as Node | undefined;
  if (!isMap(entry)) return rangeStart(entry);
  const field = path.split('.')[0] ?? '';
  const pair = entry.items.find((p) => isScalar(p.key) && p.key.value === field);
  return rangeStart(pair?.key as Node | undefined) ?? rangeStart(entry);
}

function rangeStart(node: Node | null | undefined): number | undefined {
  return node?.range?.[0];
}
