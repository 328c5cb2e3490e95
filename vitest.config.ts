import { defineConfig } from 'vitest/config';

/** Tests whose figures are timing: they run alone, after the rest, with both cores to themselves. */
const TIMED = ['test/integration/kafka-rate.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: ['test/**/*.test.ts'],
          exclude: TIMED,
          // the spawned CLI runs the compiled bundle: build it from the sources under test first
          globalSetup: ['test/helpers/build-dist.ts'],
          // brokers and pipelines share two cores: two test files at a time is the most that helps
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        // a producer held to its rate within 5% cannot share the cores with pipelines and a broker
        test: { name: 'alone', include: TIMED, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
