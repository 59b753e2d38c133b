/**
 * Node labels and task constraints. A worker carries labels (`--label region=eu-west`); a task may
 * carry constraints (`--constraint region=eu-west`, as Swarm's `constraint:region==eu-west`), and only
 * a node whose labels hold every constrained pair may run it. Pure.
 *
 *   const labels = parseLabelList(['region=eu-west', 'disk=ssd']);
 *   satisfies(labels, { region: 'eu-west' });            // true
 *   constraintSignature({ region: 'eu-west', disk: 'ssd' }); // 'disk=ssd,region=eu-west'
 */
import { DhError } from '../errors.ts';

export type Labels = Record<string, string>;

/** Keys and values become part of Redis key names (the signature), so they stay plain. */
export const LABEL_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
export const LABEL_VALUE_PATTERN = /^[A-Za-z0-9._/:-]{1,128}$/;
/** More than this many constraints on one task is a mistake, not a placement rule. */
export const MAX_CONSTRAINTS = 16;

/** `key=value` (also Swarm's `key==value`) into its two halves; throws DH_ERR_VALIDATION. */
export function parseLabel(text: string, what = 'label'): [string, string] {
  const match = /^([^=]+)==?(.*)$/.exec(text.trim());
  const key = match?.[1]?.trim() ?? '';
  const value = match?.[2]?.trim() ?? '';
  if (!match || !LABEL_KEY_PATTERN.test(key) || !LABEL_VALUE_PATTERN.test(value)) {
    throw new DhError('DH_ERR_VALIDATION', `A ${what} is key=value with a key of letters, digits, ".", "_" or "-" and a non-empty value of letters, digits and ._/:- (got "${text}").`);
  }
  return [key, value];
}

export function parseLabelList(list: readonly string[], what = 'label'): Labels {
  const labels: Labels = {};
  for (const item of list) {
    const [key, value] = parseLabel(item, what);
    labels[key] = value;
  }
  return labels;
}

/** Throws DH_ERR_VALIDATION unless every key and value is plain and there are not too many. */
export function checkConstraints(constraints: Labels): Labels {
  const entries = Object.entries(constraints);
  if (entries.length > MAX_CONSTRAINTS) {
    throw new DhError('DH_ERR_VALIDATION', `A task may carry at most ${MAX_CONSTRAINTS} constraints; it has ${entries.length}.`);
  }
  for (const [key, value] of entries) parseLabel(`${key}=${value}`, 'constraint');
  return constraints;
}

/** The canonical text of a constraint set: sorted `k=v` joined by commas; '' for none. */
export function constraintSignature(constraints: Labels | undefined): string {
  if (!constraints) return '';
  return Object.keys(constraints)
    .sort()
    .map((key) => `${key}=${constraints[key]}`)
    .join(',');
}

export function parseSignature(signature: string): Labels {
  return signature === '' ? {} : parseLabelList(signature.split(','), 'constraint');
}

/** True when the labels hold every constrained key with the constrained value. */
export function satisfies(labels: Labels, constraints: Labels): boolean {
  return Object.entries(constraints).every(([key, value]) => labels[key] === value);
}
