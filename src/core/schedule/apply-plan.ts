/**
 * The plan `schedule apply` carries out, as data and as the lines a user reads. Shared by the server
 * (which makes the plan), the SDK (which returns it) and the CLI and `up` (which print it).
 *
 *   formatPlanLines(result)
 *   // ['+ create nightly-report', '~ update heartbeat: every 300 -> 600', '- delete old-report']
 */

export type ApplyActionKind = 'create' | 'update' | 'delete' | 'unchanged';

/** One declared field that an update changes. */
export interface FieldChange {
  field: string;
  from: string | number | undefined;
  to: string | number | undefined;
}

export interface ApplyAction {
  action: ApplyActionKind;
  name: string;
  /** The schedule's id (a created one's only when not a dry run). */
  id?: string;
  /** For updates: each declared field that changes. */
  changes?: FieldChange[];
}

export interface ApplyResult {
  dry_run: boolean;
  plan: ApplyAction[];
  created: string[];
  updated: string[];
  deleted: string[];
  unchanged: string[];
}

/** One line per change; unchanged schedules print nothing. */
export function formatPlanLines(result: Pick<ApplyResult, 'plan'>): string[] {
  const lines: string[] = [];
  for (const step of result.plan) {
    if (step.action === 'create') lines.push(`+ create ${step.name}`);
    else if (step.action === 'delete') lines.push(`- delete ${step.name}`);
    else if (step.action === 'update') {
      const changes = (step.changes ?? []).map((c) => `${c.field} ${showValue(c.from)} -> ${showValue(c.to)}`).join(', ');
      lines.push(`~ update ${step.name}: ${changes}`);
    }
  }
  return lines;
}

/** The closing sentence: what was (or, in a dry run, would be) done. */
export function formatPlanSummary(result: ApplyResult, file: string): string {
  const [c, u, d, same] = [result.created.length, result.updated.length, result.deleted.length, result.unchanged.length];
  return result.dry_run
    ? `Dry run: would create ${c}, update ${u}, delete ${d}; ${same} unchanged. Nothing was changed.`
    : `Applied ${file}: ${c} created, ${u} updated, ${d} deleted, ${same} unchanged.`;
}

function showValue(value: string | number | undefined): string {
  if (value === undefined || value === '') return '(none)';
  return typeof value === 'number' || /^[\w:./@+-]+$/.test(value) ? String(value) : JSON.stringify(value);
}
