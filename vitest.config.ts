import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    testTimeout: 120_000,
    pool: 'threads',
    // Test files share a worker's module cache instead of reloading every module per file (twice as fast;
    // the simulation keeps no global state that one file could leave for another).
    isolate: false,
    reporters: ['default', './test/support/closing-line.ts'],
  },
});
