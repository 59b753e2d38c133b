import { defineConfig } from 'vitest/config';

// `npm run test:swarm`: Dockhand deployed with `dockhand deploy swarm` on the lab Swarm of three
// engines (docs/swarm-lab.md). Not part of `npm test`: it builds Dockhand's images and starts a
// Swarm, several minutes on two cores.
export default defineConfig({
  test: {
    include: ['test/swarm/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 1_800_000,
  },
});
