import { describe, expect, it } from 'vitest';
import { ICC_OPTION, taskNetworkCreateOptions, taskNetworkProblem } from './task-network.ts';

describe('the task network', () => {
  it('is created as a bridge with traffic between containers switched off', () => {
    expect(taskNetworkCreateOptions('dockhand-tasks')).toMatchObject({ Name: 'dockhand-tasks', Driver: 'bridge', Options: { [ICC_OPTION]: 'false' } });
  });

  it('accepts an existing bridge without inter-container traffic', () => {
    expect(taskNetworkProblem({ Driver: 'bridge', Options: { [ICC_OPTION]: 'false' } })).toBeUndefined();
  });

  it("refuses Docker's default bridge, a bridge with traffic between containers, and other drivers", () => {
    expect(taskNetworkProblem({ Driver: 'bridge', Options: { 'com.docker.network.bridge.default_bridge': 'true' } })).toMatch(/talk to each other/);
    expect(taskNetworkProblem({ Driver: 'bridge', Options: { [ICC_OPTION]: 'true' } })).toMatch(/talk to each other/);
    expect(taskNetworkProblem({ Driver: 'host', Options: null })).toMatch(/host driver/);
  });
});
