import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests start daemons, worker threads and real peers; forks isolate them best.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: more parallel files would only make timing-sensitive tests flaky.
    maxWorkers: 2,
  },
});
