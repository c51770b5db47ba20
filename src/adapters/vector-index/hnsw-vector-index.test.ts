/**
 * The hnswlib index as a build folder sees it: saved and loaded back with its vectors and live count (and
 * `ef`, which the file does not keep), and no index at all for a folder that has none.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HnswVectorIndex } from './hnsw-vector-index.ts';

const PARAMS = { m: 8, efConstruction: 50, efSearch: 50 };
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'paperbot-hnsw-'));
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('HnswVectorIndex in a build folder', () => {
  it('loads what it saved: the same nearest neighbours, the live count, and deleted labels stay deleted', () => {
    const index = HnswVectorIndex.create({ dims: 3, capacity: 2, params: PARAMS });
    index.add(10, [1, 0, 0]);
    index.add(11, [0, 1, 0]);
    index.add(12, [0.9, 0.1, 0]);
    expect(index.remove(11)).toBe(true);
    expect(index.remove(99)).toBe(false);
    index.save(dir);

    const loaded = HnswVectorIndex.load(dir, { dims: 3, efSearch: 50, live: index.size });
    expect(loaded?.size).toBe(2);
    expect(loaded?.slots).toBe(3);
    expect(loaded?.search([1, 0, 0], 5).map((h) => h.label)).toEqual([10, 12]);
    expect(loaded?.getVector(11)).toBeUndefined();
  });

  it('finds no index in a folder without one', () => {
    expect(HnswVectorIndex.load(dir, { dims: 3, efSearch: 50, live: 0 })).toBeNull();
  });
});
