import { describe, expect, it } from 'vitest';
import { DockhandMetrics, standardNaN } from './metrics.ts';

describe('DockhandMetrics', () => {
  it('keeps separate registries per instance, so two fleets in one process never mix', async () => {
    const a = new DockhandMetrics({ defaultMetrics: false });
    const b = new DockhandMetrics({ defaultMetrics: false });
    a.taskEntered('complete', 'hello');
    expect(await a.render()).toContain('dockhand_tasks_total{status="complete",code="hello"} 1');
    expect(await b.render()).not.toContain('code="hello"');
  });

  it('reads queue depth and node slots from their sources at each scrape', async () => {
    const metrics = new DockhandMetrics({ defaultMetrics: false });
    let running = 1;
    metrics.trackQueueDepth(async () => ({ default: 3, gpu: 0 }));
    const untrack = metrics.trackNode('n1', () => ({ running, slots: 4 }));
    let text = await metrics.render();
    expect(text).toContain('dockhand_queue_depth{cluster="default"} 3');
    expect(text).toContain('dockhand_node_running_tasks{node="n1"} 1');
    expect(text).toContain('dockhand_node_free_slots{node="n1"} 3');
    running = 4;
    text = await metrics.render();
    expect(text).toContain('dockhand_node_free_slots{node="n1"} 0');
    untrack();
    expect(await metrics.render()).not.toContain('node="n1"');
  });

  it('still renders when a depth source fails', async () => {
    const metrics = new DockhandMetrics({ defaultMetrics: false });
    metrics.trackQueueDepth(async () => { throw new Error('redis down'); });
    expect(await metrics.render()).toContain('# TYPE dockhand_queue_depth gauge');
  });

  it('spells a sample that is not a number NaN, as the exposition format does, and leaves comments alone', () => {
    const page = '# HELP lag mean lag, Nan\nnodejs_eventloop_lag_mean_seconds Nan\nlabelled{x="Nan"} Nan\nok 1\n';
    expect(standardNaN(page)).toBe('# HELP lag mean lag, Nan\nnodejs_eventloop_lag_mean_seconds NaN\nlabelled{x="Nan"} NaN\nok 1\n');
  });
});
