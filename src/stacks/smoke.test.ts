import { describe, expect, it } from 'vitest';
import { StackCatalog } from './catalog.ts';
import { parseStackDefinition } from './definition.ts';
import { judgeSmoke, smokeRun } from './smoke.ts';

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

describe('smokeRun', () => {
  it('writes the source as the stack entry and runs the stack command by default', () => {
    const catalog = new StackCatalog([def], '/nowhere');
    expect(smokeRun(catalog, 'shell')).toEqual({ command: 'bash main.sh', files: { 'main.sh': 'echo smoke ok' }, payload: '' });
  });

  it('uses the smoke test\'s own file and command when it names them (compiled languages)', () => {
    const go = parseStackDefinition(`
name: go-1.24
language: go
base: trixie
dockerfile: go-1.24/Dockerfile
run: ./{entry}
entry: app
version_command: go version
smoke: { source: package main, entry: main.go, command: go build -o smoke main.go && ./smoke, payload: { word: ok }, expect: smoke ok }
`, 'go-1.24.yaml');
    const run = smokeRun(new StackCatalog([go], '/nowhere'), 'go-1.24');
    expect(run).toEqual({ command: 'go build -o smoke main.go && ./smoke', files: { 'main.go': 'package main' }, payload: '{"word":"ok"}' });
  });
});
