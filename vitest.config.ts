import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    // Numeric tests on tfjs' cpu backend are slow on 2 cores; keep one file per worker thread.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    setupFiles: ['test/setup/fastCheck.ts'],
  },
});
