/**
 * Opening an index whose manifest is damaged or foreign: one sentence that says what is wrong and to run
 * `npm run index`, never a TypeError from deep inside. The backend's stores are never reached: the manifest
 * (read through the catalog) is checked first.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileBuildCatalog } from '../adapters/file-build-catalog.ts';
import { UserError } from '../core/errors.ts';
import type { IndexBackend } from './index-backend.ts';
import { MANIFEST_VERSION, parseManifest, type Manifest } from './manifest.ts';
import { openIndex } from './open-index.ts';

const untouched = () => {
  throw new Error('the backend was reached before the manifest was checked');
};
const backendIn = (indexDir: string): IndexBackend => ({
  catalog: new FileBuildCatalog(indexDir),
  papers: { create: untouched, copy: untouched, open: untouched, check: untouched },
  vectors: { params: { space: 'cosine', m: 16, efConstruction: 200 }, exists: untouched, create: untouched, load: untouched, check: untouched },
  close: async () => {},
});

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
function opening(manifest: string): () => Promise<unknown> {
  publish(manifest);
  return () => openIndex({ embedder: null, backend: backendIn(indexDir) });
}

describe('openIndex with a broken manifest', () => {
  it('refuses an empty manifest object with one sentence instead of a TypeError', async () => {
    const open = opening('{}');
    await expect(open()).rejects.toThrow(UserError);
    await expect(open()).rejects.toThrow(expect.objectContaining({ code: 'E_INDEX_CORRUPT' }));
    await expect(open()).rejects.toThrow(/manifest .*manifest\.json has version none, this paperbot reads version 1: run `npm run index` to rebuild the index\.$/);
  });

  it('refuses a manifest of another version', async () => {
    await expect(opening(JSON.stringify({ ...MANIFEST, version: 2 }))()).rejects.toThrow(/has version 2, this paperbot reads version 1: run `npm run index`/);
  });

  it('says which field is wrong', async () => {
    const { counts: _counts, ...withoutCounts } = MANIFEST;
    await expect(opening(JSON.stringify(withoutCounts))()).rejects.toThrow(/is not valid \(.* at counts\): run `npm run index`/);
    const badDims = { ...MANIFEST, embeddings: { ...MANIFEST.embeddings, dims: 'many' } };
    await expect(opening(JSON.stringify(badDims))()).rejects.toThrow(/is not valid \(.* at embeddings\.dims\): run `npm run index`/);
  });

  it('refuses a manifest that is not JSON', async () => {
    await expect(opening('{"version": 1, ')()).rejects.toThrow(/manifest\.json is not JSON: run `npm run index`/);
  });
});

describe('parseManifest', () => {
  it('reads back what a build writes, lexical builds included', () => {
    expect(parseManifest(JSON.stringify(MANIFEST), 'manifest.json')).toEqual(MANIFEST);
    const lexical = { ...MANIFEST, embeddings: null, hnsw: null };
    expect(parseManifest(JSON.stringify(lexical), 'manifest.json')).toEqual(lexical);
  });
});
