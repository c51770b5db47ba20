/**
 * Index builds and opens through the SQLite + hnswlib backend, with a small word-hashing embedder and a
 * corpus in a temp folder: a build whose vector file went missing or does not match embeds every passage
 * again instead of publishing an empty vector index; a new vector index is sized by passages, not papers;
 * and a current build without its vector file is refused with a sentence to rebuild.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Embedder } from '../core/retrieval/embedder.ts';
import { retrieve } from '../core/retrieval/hybrid-search.ts';
import { wordTokens } from '../core/text.ts';
import { buildIndex, type BuildIndexOptions } from '../indexing/build-index.ts';
import type { IndexBackend } from '../indexing/index-backend.ts';
import { openIndex } from '../indexing/open-index.ts';
import { SQLITE_HNSW_FILES, sqliteHnswBackend } from './sqlite-hnsw-backend.ts';
import { HnswVectorIndex } from './vector-index/hnsw-vector-index.ts';

const DIMS = 16;
const HNSW = { m: 8, efConstruction: 50, efSearch: 50 };

/** Unit vectors from hashed words: deterministic, and texts sharing words point the same way. */
function wordHashEmbedder(): Embedder & { embedded: number } {
  const embed = (text: string) => {
    const v = new Array<number>(DIMS).fill(0);
    for (const word of wordTokens(text)) {
      const bucket = [...word].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % DIMS, 7);
      v[bucket] = (v[bucket] ?? 0) + 1;
    }
    const norm = Math.hypot(...v) || 1;
    return v.map((x) => x / norm);
  };
  const embedder = {
    info: { modelId: 'local:word-hash', dims: DIMS, pooling: 'mean' as const, dtype: 'fp32', queryPrefix: '' },
    embedded: 0,
    async embedPassages(texts: readonly string[]) {
      embedder.embedded += texts.length;
      return texts.map(embed);
    },
    async embedQuery(text: string) {
      return embed(text);
    },
    async dispose() {},
  };
  return embedder;
}

const TOPICS = ['pruning neurons by fusion', 'adversarial examples from generative networks', 'meta gradients for noisy labels', 'sharpness aware minimization', 'multiple interests for recommendation'];

/** Five papers; the last two are long enough to be chunked into several passages. */
function writeCorpus(dir: string, extra: string[] = []): void {
  const records = TOPICS.map((topic, i) => {
    const sentence = `This paper studies ${topic} and reports results on benchmark ${i} with careful ablations of every component.`;
    return { title: `Paper about ${topic}`, abstract: Array.from({ length: i >= 3 ? 150 : 2 }, (_, n) => `${sentence} Finding ${n} holds.`).join(' ') };
  });
  const lines = [...records, ...extra.map((abstract, i) => ({ title: `Extra ${i}`, abstract }))].map((r) => JSON.stringify(r));
  writeFileSync(path.join(dir, 'papers.jsonl'), `${lines.join('\n')}\n`);
}

/** The real backend, recording the capacity of every vector index it creates. */
function recordingBackend(): IndexBackend & { capacities: number[] } {
  const real = sqliteHnswBackend(indexDir, HNSW);
  const capacities: number[] = [];
  return {
    ...real,
    capacities,
    vectors: {
      ...real.vectors,
      create: (started, options) => {
        capacities.push(options.capacity);
        return real.vectors.create(started, options);
      },
    },
  };
}

let root: string;
let corpusDir: string;
let indexDir: string;

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'paperbot-backend-'));
  corpusDir = path.join(root, 'corpus');
  indexDir = path.join(root, 'index');
  mkdirSync(corpusDir);
  writeCorpus(corpusDir);
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

function build(embedder: Embedder, backend: IndexBackend = sqliteHnswBackend(indexDir, HNSW), options: Partial<BuildIndexOptions> = {}) {
  return buildIndex({ corpusDir, embedder, backend, ...options });
}

async function denseHits(embedder: Embedder): Promise<number> {
  const open = await openIndex({ embedder, backend: sqliteHnswBackend(indexDir, HNSW) });
  try {
    const found = await retrieve('adversarial examples from generative networks', { store: open.store, vectors: open.vectors ?? undefined, embedder }, { topK: 5, maxPassagesPerPaper: 2, gateMinCoverage: 0, gateMinSimilarity: undefined, mode: 'dense' });
    return found.passages.length;
  } finally {
    await open.store.close();
  }
}

describe('building through the SQLite + hnswlib backend', () => {
  it('sizes a new vector index for its passages, not its papers', async () => {
    const backend = recordingBackend();
    const report = await build(wordHashEmbedder(), backend);
    expect(report.manifest.counts.passages).toBeGreaterThan(report.manifest.counts.papers + 16);
    expect(backend.capacities).toEqual([report.manifest.counts.passages]);
  });

  it('embeds every passage again when the current build lost its vector file, even with the corpus unchanged', async () => {
    const embedder = wordHashEmbedder();
    const first = await build(embedder);
    const passages = first.manifest.counts.passages;
    rmSync(path.join(first.buildDir, SQLITE_HNSW_FILES.vectors));

    const again = await build(embedder);
    expect(again.upToDate).toBe(false);
    expect(again.stats.embedded).toBe(passages);
    expect(again.manifest.counts.vectors).toBe(passages);
    expect(await denseHits(embedder)).toBeGreaterThan(0);
  });

  it('embeds every passage again when the vector file does not match the build, and still adds new papers', async () => {
    const embedder = wordHashEmbedder();
    const first = await build(embedder);
    const passages = first.manifest.counts.passages;
    // A vector file of some other, smaller build.
    const stray = HnswVectorIndex.create({ dims: DIMS, capacity: 4, params: HNSW });
    stray.add(1, new Array<number>(DIMS).fill(0.25));
    const elsewhere = path.join(root, 'elsewhere');
    mkdirSync(elsewhere);
    stray.save(elsewhere);
    copyFileSync(path.join(elsewhere, SQLITE_HNSW_FILES.vectors), path.join(first.buildDir, SQLITE_HNSW_FILES.vectors));
    writeCorpus(corpusDir, ['A new abstract about graph neural networks for molecules, long enough to count as an abstract of a paper in the corpus.']);

    const again = await build(embedder);
    expect(again.stats.added).toBe(1);
    expect(again.stats.embedded).toBe(passages + 1);
    expect(again.manifest.counts.vectors).toBe(passages + 1);
    expect(await denseHits(embedder)).toBeGreaterThan(0);
  });

  it('reuses whole vectors: a build with one new paper embeds only that paper', async () => {
    const embedder = wordHashEmbedder();
    const first = await build(embedder);
    writeCorpus(corpusDir, ['A new abstract about graph neural networks for molecules, long enough to count as an abstract of a paper in the corpus.']);
    const again = await build(embedder);
    expect(again.stats).toMatchObject({ added: 1, embedded: 1, embeddedPapers: 1 });
    expect(again.manifest.counts.vectors).toBe(first.manifest.counts.vectors + 1);
  });

  it('refuses to open a current build whose vector file is gone, saying to run npm run index', async () => {
    const embedder = wordHashEmbedder();
    const first = await build(embedder);
    rmSync(path.join(first.buildDir, SQLITE_HNSW_FILES.vectors));
    await expect(openIndex({ embedder, backend: sqliteHnswBackend(indexDir, HNSW) })).rejects.toThrow(/lost its vectors: run `npm run index`/);
  });
});
