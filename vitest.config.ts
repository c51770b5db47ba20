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
  },
});
