/**
 * Opening an index whose manifest is damaged or foreign: one sentence that says what is wrong and to run
 * `npm run index`, never a TypeError from deep inside. The backend is never reached: the manifest is
 * checked first.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../core/errors.ts';
import type { IndexBackend } from './index-backend.ts';
import { MANIFEST_VERSION, parseManifest, type Manifest } from './manifest.ts';
import { openIndex } from './open-index.ts';

const untouched = () => {
  throw new Error('the backend was reached before the manifest was checked');
};
const BACKEND: IndexBackend = {
  papers: { create: untouched, copy: untouched, open: untouched, check: untouched },
  vectors: { params: { space: 'cosine', m: 16, efConstruction: 200 }, exists: untouched, create: untouched, load: untouched, check: untouched },
};

const MANIFEST: Manifest = {
  version: MANIFEST_VERSION,
  buildId: '20260101-000000-abcdef',
  builtAt: '2026-01-01T00:00:00.000Z',
  corpusHash: 'abc',
  counts: { papers: 11, passages: 11, vectors: 11, vectorSlots: 11 },
  embeddings: { modelId: 'local:test-model', dims: 32, pooling: 'mean', dtype: 'fp32', queryPrefix: '' },
  hnsw: { space: 'cosine', m: 16, efConstruction: 200 },
  lastBuild: { added: 11, updated: 0, removed: 0, embedded: 11, embeddedPapers: 11, durationMs: 12, compacted: false },
};

let indexDir: string;

beforeEach(() => {
  indexDir = mkdtempSync(path.join(os.tmpdir(), 'paperbot-open-'));
});

afterEach(() => rmSync(indexDir, { recursive: true, force: true }));

function publish(manifest: string): void {
  mkdirSync(path.join(indexDir, 'builds', 'b1'), { recursive: true });
  writeFileSync(path.join(indexDir, 'builds', 'b1', 'manifest.json'), manifest);
  writeFileSync(path.join(indexDir, 'CURRENT'), 'b1\n');
}

/** Opening the index with `manifest` as the current build's manifest. */
function opening(manifest: string): () => unknown {
  publish(manifest);
  return () => openIndex({ indexDir, embedder: null, backend: BACKEND });
}

describe('openIndex with a broken manifest', () => {
  it('refuses an empty manifest object with one sentence instead of a TypeError', () => {
    const open = opening('{}');
    expect(open).toThrow(UserError);
    expect(open).toThrow(expect.objectContaining({ code: 'E_INDEX_CORRUPT' }));
    expect(open).toThrow(/manifest .*manifest\.json has version none, this paperbot reads version 1: run `npm run index` to rebuild the index\.$/);
  });

  it('refuses a manifest of another version', () => {
    expect(opening(JSON.stringify({ ...MANIFEST, version: 2 }))).toThrow(/has version 2, this paperbot reads version 1: run `npm run index`/);
  });

  it('says which field is wrong', () => {
    const { counts: _counts, ...withoutCounts } = MANIFEST;
    expect(opening(JSON.stringify(withoutCounts))).toThrow(/is not valid \(.* at counts\): run `npm run index`/);
    const badDims = { ...MANIFEST, embeddings: { ...MANIFEST.embeddings, dims: 'many' } };
    expect(opening(JSON.stringify(badDims))).toThrow(/is not valid \(.* at embeddings\.dims\): run `npm run index`/);
  });

  it('refuses a manifest that is not JSON', () => {
    expect(opening('{"version": 1, ')).toThrow(/manifest\.json is not JSON: run `npm run index`/);
  });
});

describe('parseManifest', () => {
  it('reads back what a build writes, lexical builds included', () => {
    expect(parseManifest(JSON.stringify(MANIFEST), 'manifest.json')).toEqual(MANIFEST);
    const lexical = { ...MANIFEST, embeddings: null, hnsw: null };
    expect(parseManifest(JSON.stringify(lexical), 'manifest.json')).toEqual(lexical);
  });
});
