/**
 * Tests of the state stores: a fresh `state.sqlite` path in a temp folder for each test, removed after it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';

/** Registers the per-test temp folder; the returned function gives the current test's state file. */
export function useTempStateFile(prefix: string): () => string {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return () => path.join(dir, 'state.sqlite');
}
