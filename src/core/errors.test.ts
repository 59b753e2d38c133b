import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CLASSES } from './error-class.ts';
import { DhError, ERROR_CODES } from './errors.ts';

describe('the error vocabulary', () => {
  it('matches the table in docs/errors.md, code by code and status by status', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    const documented = new Map<string, number>();
    for (const match of doc.matchAll(/^\| `(DH_ERR_[A-Z_]+)` \| (\d{3}) \|/gm)) documented.set(match[1]!, Number(match[2]));
    const inCode = new Map(Object.entries(ERROR_CODES).map(([code, e]) => [code, e.status]));
    expect(documented).toEqual(inCode);
  });

  it('gives every error its status and a JSON form without a stack', () => {
    const err = new DhError('DH_ERR_TASK_NOT_FOUND', 'No task with id "x" in this project.');
    expect(err.status).toBe(404);
    expect(JSON.parse(JSON.stringify(err))).toEqual({ code: 'DH_ERR_TASK_NOT_FOUND', message: 'No task with id "x" in this project.' });
  });

  it('documents every task error class in docs/errors.md, with the same meaning, and no other', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## Task error classes'));
    const documented = Object.fromEntries([...section.matchAll(/^\| `([^`]+)` \| (.+) \|$/gm)].map((m) => [m[1]!, m[2]!]));
    expect(documented).toEqual(ERROR_CLASSES);
  });
});
