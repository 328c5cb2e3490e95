import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // the spawned CLI runs the compiled bundle: build it from the sources under test first
    globalSetup: ['test/helpers/build-dist.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // brokers and pipelines share two cores: two test files at a time is the most that helps
    maxWorkers: 2,
  },
});
