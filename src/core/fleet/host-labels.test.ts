import { describe, expect, it } from 'vitest';
import { hostLabels } from './host-labels.ts';

describe('hostLabels', () => {
  it('takes engine labels, then Swarm node labels, then the worker\'s own, later sources winning a key', () => {
    const { labels, skipped } = hostLabels(['region=eu-west', 'disk=hdd'], { disk: 'ssd', rack: 'r1' }, { rack: 'r9' });
    expect(labels).toEqual({ region: 'eu-west', disk: 'ssd', rack: 'r9' });
    expect(skipped).toEqual([]);
  });

  it('leaves out and names labels Dockhand cannot match', () => {
    const { labels, skipped } = hostLabels(['com.example/team=a', 'novalue', 'empty='], { ok: 'yes', 'bad key': 'x' }, {});
    expect(labels).toEqual({ ok: 'yes' });
    expect(skipped).toEqual(['com.example/team=a', 'novalue', 'empty=', 'bad key=x']);
  });
});
