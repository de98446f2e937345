import { defineConfig } from 'vitest/config';

// Tests run the TypeScript sources directly (lib/*.ts import each other with .js suffixes, which
// Vite resolves to the .ts files). Forks, not threads: the native addon keeps per-process state
// (active ISA, thread pool), and a crash in it must take down one worker, not the runner.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    reporters: ['default', './test/summary-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
