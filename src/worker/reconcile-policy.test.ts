import { describe, expect, it } from 'vitest';
import type { ContainerSummary } from '../runtime/port.ts';
import { attemptKey, decideReconcile, type ReconcileView } from './reconcile-policy.ts';

function container(taskId: string, attempt: number, nodeId: string): ContainerSummary {
  return {
    id: `id-${taskId}-${attempt}`,
    name: `dh-${taskId}-${attempt}`,
    state: 'running',
    labels: { 'dockhand.managed': 'true', 'dockhand.task': taskId, 'dockhand.attempt': String(attempt), 'dockhand.node': nodeId },
  };
}

const view = (overrides: Partial<ReconcileView> = {}): ReconcileView => ({
  selfId: 'me',
  ownAttempts: new Set([attemptKey('t-running', 2)]),
  nodes: new Map([['me', 'running'], ['alive', 'running'], ['dead', 'lost'], ['leaving', 'draining']]),
  tasks: new Map([['t-running', 'running'], ['t-done', 'complete'], ['t-cancelled', 'cancelled'], ['t-other', 'running']]),
  ...overrides,
});

describe('reconcile policy', () => {
  it('keeps the attempts this process runs', () => {
    expect(decideReconcile([container('t-running', 2, 'me')], view())).toEqual([]);
  });

  it('removes this node\'s containers that this process does not run, such as an older attempt', () => {
    const removals = decideReconcile([container('t-running', 1, 'me'), container('t-unknown', 1, 'me')], view());
    expect(removals.map((r) => [r.name, r.reason])).toEqual([
      ['dh-t-running-1', 'not-run-by-this-process'],
      ['dh-t-unknown-1', 'not-run-by-this-process'],
    ]);
  });

  it('removes containers of finished tasks, whoever owns them', () => {
    const removals = decideReconcile([container('t-done', 1, 'alive'), container('t-cancelled', 3, 'leaving')], view());
    expect(removals.map((r) => r.reason)).toEqual(['task-finished', 'task-finished']);
  });

  it('removes containers whose owner is lost', () => {
    const removals = decideReconcile([container('t-other', 1, 'dead')], view());
    expect(removals).toEqual([{ id: 'id-t-other-1', name: 'dh-t-other-1', taskId: 't-other', attempt: 1, nodeId: 'dead', reason: 'owner-lost' }]);
  });

  it('leaves alone what belongs to a live or draining node, or to nodes and tasks it has no record of', () => {
    const containers = [container('t-other', 1, 'alive'), container('t-other', 1, 'leaving'), container('t-foreign', 1, 'stranger')];
    expect(decideReconcile(containers, view())).toEqual([]);
  });

  it('ignores containers without complete Dockhand labels', () => {
    const partial: ContainerSummary = { id: 'x', name: 'x', state: 'running', labels: { 'dockhand.managed': 'true' } };
    expect(decideReconcile([partial], view())).toEqual([]);
  });
});

describe('reconcile policy for warm containers', () => {
  const warm = (name: string, nodeId: string): ContainerSummary => ({
    id: `id-${name}`,
    name,
    state: 'running',
    labels: { 'dockhand.managed': 'true', 'dockhand.node': nodeId, 'dockhand.warm': 'class-a' },
  });
  const running = '6763a1f09c2e4b7d1a0f3e55';
  const done = '6763a1f09c2e4b7d1a0f3e56';
  const warmView = (overrides: Partial<ReconcileView> = {}): ReconcileView =>
    view({ ownAttempts: new Set([attemptKey(running, 1)]), tasks: new Map([[running, 'running'], [done, 'complete']]), ...overrides });

  it('keeps the idle warm containers this process\'s pool holds and removes the node\'s others', () => {
    const removals = decideReconcile([warm('dh-warm-aaaa', 'me'), warm('dh-warm-bbbb', 'me')], warmView({ ownWarm: new Set(['dh-warm-aaaa']) }));
    expect(removals).toEqual([{ id: 'id-dh-warm-bbbb', name: 'dh-warm-bbbb', taskId: '', attempt: 0, nodeId: 'me', reason: 'not-run-by-this-process' }]);
  });

  it('removes idle warm containers of a lost node and leaves those of live nodes', () => {
    const removals = decideReconcile([warm('dh-warm-aaaa', 'dead'), warm('dh-warm-bbbb', 'alive'), warm('dh-warm-cccc', 'leaving')], warmView());
    expect(removals.map((r) => [r.name, r.reason])).toEqual([['dh-warm-aaaa', 'owner-lost']]);
  });

  it('judges a warm container handed a task by the attempt its name carries', () => {
    const removals = decideReconcile([warm(`dh-${running}-1`, 'me'), warm(`dh-${done}-1`, 'alive')], warmView());
    expect(removals).toEqual([{ id: `id-dh-${done}-1`, name: `dh-${done}-1`, taskId: done, attempt: 1, nodeId: 'alive', reason: 'task-finished' }]);
  });
});
