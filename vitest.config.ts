import { defineConfig } from 'vitest/config';

// Three suites: pure unit tests run in parallel; integration and end-to-end tests share one real
// Redis and one real Docker engine, so their files run one at a time to keep timings honest.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['src/**/*.test.ts', 'test/unit/**/*.test.ts'] } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/security/**/*.test.ts', 'test/browser/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
      // Deploying Dockhand itself on a Swarm of this machine's engine: minutes of image builds when cold,
      // so `npm test` and CI leave it out; `npm run test:deploy` runs it on its own.
      {
        test: {
          name: 'deploy',
          include: ['test/deploy/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 1_200_000,
          hookTimeout: 300_000,
        },
      },
      // A Redis master failed over by Sentinel while tasks flow (docs/operations.md): `npm run test:failover`.
      {
        test: {
          name: 'failover',
          include: ['test/failover/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
