import { describe, expect, it } from 'vitest';
import { parseStackDefinition } from './definition.ts';
import { judgeSmoke } from './smoke.ts';

const def = parseStackDefinition(`
name: shell
language: shell
base: trixie
dockerfile: shell/Dockerfile
run: bash {entry}
entry: main.sh
version_command: bash --version
smoke: { source: echo smoke ok, expect: smoke ok }
`, 'shell.yaml');

describe('judgeSmoke', () => {
  it('passes a complete run whose output holds the expected text', () => {
    expect(judgeSmoke(def, { status: 'complete', exitCode: 0, log: 'starting\nsmoke ok\n' })).toEqual({ passed: true });
  });

  it('fails a complete run without the expected text and quotes what it printed', () => {
    const verdict = judgeSmoke(def, { status: 'complete', exitCode: 0, log: 'something else\n' });
    expect(verdict).toMatchObject({ passed: false });
    expect(verdict.passed === false && verdict.reason).toContain('something else');
  });

  it('fails a run that did not complete, whatever it printed', () => {
    const verdict = judgeSmoke(def, { status: 'error', exitCode: 127, log: 'smoke ok\nbash: x: command not found\n' });
    expect(verdict.passed === false && verdict.reason).toMatch(/error with exit code 127: bash: x: command not found/);
  });
});
