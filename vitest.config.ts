import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'tests/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Native addons (better-sqlite3, hnswlib, onnxruntime) are safest in forked processes.
    pool: 'forks',
  },
});
