import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'tests/**/*.test.ts'],
    // A test during which a promise rejection went unhandled fails, naming it.
    setupFiles: ['tests/support/setup-unhandled-rejections.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Native addons (better-sqlite3, hnswlib, onnxruntime) are safest in forked processes.
    pool: 'forks',
    // Vitest 4 runs one file at a time on a 2-core machine (cores - 1); most files wait on loopback servers and
    // timers, not the CPU, so two at once halve the wall time there (134 s -> 80 s measured, 3 at once: 88 s).
    maxWorkers: 2,
  },
});
