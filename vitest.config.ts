import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Every core (vitest's default leaves one idle: on 2 cores that is no parallelism at all).
    // Unit and integration files share the pool: the integration files, sorted first by vitest,
    // run in parallel, each worker against its own moto server (test/support/moto.ts).
    maxWorkers: availableParallelism(),
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/**'],
          environment: 'node',
          setupFiles: ['test/support/setup.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          setupFiles: ['test/support/setup.ts'],
          // One moto server per worker (files reset theirs, so no two files share one at a time).
          globalSetup: ['test/support/moto.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
