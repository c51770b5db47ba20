/**
 * Passage vectors in pgvector, on the wire to PGlite: HNSW search finds what exact search finds (recall@10
 * against brute force over a few hundred clustered random vectors), similarity is cosine, vectors leave with
 * their passages, the first load builds the HNSW index once with the configured parameters, and a build that
 * is discarded or whose connection drops leaves the previous build's papers and vectors answering.
 */
import { describe, expect, it } from 'vitest';
import { PostgresIndexBackend } from '../../src/adapters/postgres/postgres-index-backend.ts';
import type { PostgresPaperWriter } from '../../src/adapters/postgres/postgres-paper-writer.ts';
import { MANIFEST_VERSION, type Manifest } from '../../src/indexing/manifest.ts';
import { closeAfterEach } from '../support/close-after-each.ts';
import { paper } from '../support/paper-fixture.ts';
import { usePgliteServer, type PgliteServer } from '../support/pglite-server.ts';

let server: PgliteServer;
const track = closeAfterEach<PostgresIndexBackend>();
usePgliteServer((started) => {
  server = started;
});

const DIMS = 24;
const HNSW = { m: 12, efConstruction: 48, efSearch: 40 };
/** A manifest of a build of `n` papers with one vector each, as the build writes it. */
const manifest = (buildId: string, n: number): string =>
  JSON.stringify({
    version: MANIFEST_VERSION,
    buildId,
    builtAt: '2026-01-01T00:00:00.000Z',
    corpusHash: 'h',
    counts: { papers: n, passages: n, vectors: n, vectorSlots: n },
    embeddings: { modelId: 'test', dims: DIMS, pooling: 'mean', dtype: 'fp32', queryPrefix: '' },
    hnsw: { space: 'cosine', m: HNSW.m, efConstruction: HNSW.efConstruction },
    lastBuild: { added: n, updated: 0, removed: 0, embedded: n, embeddedPapers: n, durationMs: 1, compacted: false },
  } satisfies Manifest);
const open = async () => track(await PostgresIndexBackend.open({ url: server.url, poolSize: 2, statementTimeoutMs: 20_000, hnsw: HNSW }));

/** A deterministic generator (mulberry32), so a failing recall is the same failure on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** `n` vectors around 12 centres, as text embeddings cluster by topic. */
function clustered(n: number, rand: () => number): number[][] {
  const centres = Array.from({ length: 12 }, () => Array.from({ length: DIMS }, () => rand() * 2 - 1));
  return Array.from({ length: n }, (_, i) => (centres[i % centres.length] as number[]).map((x) => x + (rand() - 0.5) * 0.8));
}

const cosine = (a: readonly number[], b: readonly number[]) => {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += (a[i] as number) * (b[i] as number);
  return dot / (Math.hypot(...a) * Math.hypot(...b));
};

/** Publishes a build of `count` papers with one passage each and a vector per passage; returns the labels by paper. */
async function publishBuild(backend: PostgresIndexBackend, id: string, vectors: readonly number[][]): Promise<number[]> {
  const release = await backend.catalog.lock();
  const started = await backend.catalog.begin(id);
  const store = await backend.papers.create(started);
  for (const [i] of vectors.entries()) await store.upsertPaper(paper(`p${i}`), { addedAt: '2026-01-01T00:00:00.000Z', position: i, passages: [`Passage ${i}.`] });
  const todo = await store.passagesToEmbed();
  const index = await backend.vectors.create(started, { dims: DIMS, capacity: todo.length });
  await index.addBatch(todo.map((p, i) => ({ label: p.id, vector: vectors[i] as number[] })));
  await store.markEmbedded(todo.map((p) => p.id));
  await index.save();
  await store.close();
  await backend.catalog.publish(started, manifest(id, vectors.length));
  await release();
  return todo.map((p) => p.id);
}

describe('pgvector search', () => {
  it('finds with HNSW at least 90% of the ten nearest passages exact search finds, with cosine similarity', async () => {
    const backend = await open();
    const rand = random(7);
    const vectors = clustered(300, rand);
    const labels = await publishBuild(backend, 'b1', vectors);
    const index = await backend.vectors.load('pg:b1', { dims: DIMS, live: labels.length });
    expect(index?.size).toBe(300);

    let found = 0;
    const queries = clustered(20, rand);
    for (const query of queries) {
      const exact = vectors.map((v, i) => ({ label: labels[i] as number, similarity: cosine(query, v) })).sort((a, b) => b.similarity - a.similarity).slice(0, 10);
      const hits = (await index?.search(query, 10)) ?? [];
      expect(hits).toHaveLength(10);
      found += hits.filter((h) => exact.some((e) => e.label === h.label)).length;
      // Similarity is cosine: the best hit's is what exact search computes for that passage.
      const best = hits[0];
      expect(best?.similarity).toBeCloseTo(cosine(query, vectors[labels.indexOf(best?.label ?? -1)] as number[]), 4);
    }
    expect(found / (queries.length * 10)).toBeGreaterThanOrEqual(0.9);

    // Stored normalized, as hnswlib stores them.
    const stored = await index?.getVector(labels[0] as number);
    expect(Math.hypot(...(stored ?? []))).toBeCloseTo(1, 5);
    expect(await index?.getVector(999_999)).toBeUndefined();
  });

  it('builds the HNSW index once after the first load, with the configured m and ef_construction', async () => {
    const backend = await open();
    await publishBuild(backend, 'b1', clustered(40, random(1)));
    const [index] = await backend.pool.query<{ definition: string }>("SELECT indexdef AS definition FROM pg_indexes WHERE indexname = 'passage_vectors_24_hnsw'");
    expect(index?.definition).toMatch(/USING hnsw \(embedding vector_cosine_ops\) WITH \(m='?12'?, ef_construction='?48'?\)/);
    expect(await backend.vectors.check('pg:b1', { dims: DIMS, slots: 40 })).toBeNull();
    expect(await backend.vectors.check('pg:b1', { dims: DIMS, slots: 41 })).toEqual({ what: 'vectors', file: 'the passage_vectors_24 table in PostgreSQL', problem: 'holds 40 vectors, its manifest says 41' });
    expect(await backend.vectors.check('pg:b1', { dims: 8, slots: 40 })).toMatchObject({ problem: 'is missing, so the build has lost its vectors' });
    expect(await backend.vectors.exists('pg:b1')).toBe(true);
  });

  it('refuses, in one sentence before anything is embedded, a model of more dimensions than pgvector’s HNSW index takes', async () => {
    const backend = await open();
    await backend.catalog.lock();
    const started = await backend.catalog.begin('b1');
    await backend.papers.create(started);
    await expect(backend.vectors.create(started, { dims: 3072, capacity: 10 })).rejects.toThrow(
      "The embedding model makes vectors of 3072 dimensions, but pgvector's HNSW index takes at most 2000: set EMBEDDING_MODEL to a model of 2000 dimensions or fewer (bge-small: 384), or build without DATABASE_URL (hnswlib has no such limit).",
    );
  });
});

describe('a build that does not finish', () => {
  /** Starts a second build that removes p0, adds p-new with a vector and changes p1's text: everything a build writes. */
  async function halfBuild(backend: PostgresIndexBackend): Promise<{ started: string; release: () => Promise<void>; store: PostgresPaperWriter }> {
    const release = await backend.catalog.lock();
    const started = await backend.catalog.begin('b2');
    const store = await backend.papers.copy('pg:b1', started);
    const index = await backend.vectors.load('pg:b1', { dims: DIMS, live: 30, into: started });
    await store.removePaper('p0');
    await store.upsertPaper(paper('p1', { textHash: 'changed' }), { addedAt: '2026-02-01T00:00:00.000Z', position: 1, passages: ['A changed passage.'] });
    await store.upsertPaper(paper('p-new'), { addedAt: '2026-02-01T00:00:00.000Z', position: 30, passages: ['A new passage.'] });
    const todo = await store.passagesToEmbed();
    await index?.addBatch(todo.map((p) => ({ label: p.id, vector: Array.from({ length: DIMS }, (_, i) => i + 1) })));
    await index?.save();
    expect(index?.size).toBe(30); // p0 and p1's vectors left with their passages; p1's and p-new's new ones came
    return { started, release, store };
  }

  async function expectFirstBuild(backend: PostgresIndexBackend, labels: readonly number[]): Promise<void> {
    expect(await backend.catalog.current()).toBe('pg:b1');
    const store = await backend.papers.open('pg:b1');
    expect(await store.counts()).toEqual({ papers: 30, passages: 30 });
    expect(await store.getPaper('p0')).toBeDefined();
    expect(await store.getPaper('p-new')).toBeUndefined();
    expect(await backend.papers.check('pg:b1', { papers: 30, passages: 30 })).toBeNull();
    expect(await backend.vectors.check('pg:b1', { dims: DIMS, slots: 30 })).toBeNull();
    const index = await backend.vectors.load('pg:b1', { dims: DIMS, live: 30 });
    expect(await index?.getVector(labels[0] as number)).toHaveLength(DIMS);
  }

  it('leaves the previous build answering when it is discarded', async () => {
    const backend = await open();
    const labels = await publishBuild(backend, 'b1', clustered(30, random(3)));
    const { started, release } = await halfBuild(backend);
    await backend.catalog.discard(started);
    await release();
    await expectFirstBuild(backend, labels);
  });

  it('leaves the previous build answering when its connection drops (a killed build), and frees the lock', async () => {
    const labels = await publishBuild(await open(), 'b1', clustered(30, random(4)));
    const killed = await open();
    await halfBuild(killed);
    await killed.close(); // the build's session ends without COMMIT, as when its process dies
    const backend = await open();
    await expectFirstBuild(backend, labels);
    const release = await backend.catalog.lock();
    await release();
  });

  it('makes everything it wrote visible at once when it is published', async () => {
    const backend = await open();
    await publishBuild(backend, 'b1', clustered(30, random(5)));
    const { started, release, store } = await halfBuild(backend);
    await store.close();
    expect(await backend.catalog.publish(started, manifest('b2', 30))).toBe('pg:b2');
    await release();
    expect(await backend.catalog.current()).toBe('pg:b2');
    const reader = await backend.papers.open('pg:b2');
    expect(await reader.getPaper('p0')).toBeUndefined();
    expect((await reader.lexicalSearch(['changed'], 5)).map((h) => h.paperId)).toEqual(['p1']);
    expect(await backend.vectors.check('pg:b2', { dims: DIMS, slots: 30 })).toBeNull();
  });
});
