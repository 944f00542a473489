import { defineConfig } from 'vitest/config';

// Browser tests: vitest runs in Node and drives Debian's Chromium (test/browser/support/chromium.ts)
// against the built app. One file at a time: each launches its own browser on 2 cores.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    environment: 'node',
    testTimeout: 300_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
