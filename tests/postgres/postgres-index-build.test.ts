/**
 * The index build and the open index (src/indexing/) on the PostgreSQL backend, unchanged: buildIndex and
 * IndexHandle against PostgresIndexBackend on the wire to PGlite, with the project's test embedding model
 * (src/dev/test-model.ts, loaded by the real transformers.js). The shipped corpus is built into PostgreSQL and
 * the FaMUS question is answered from it, dense and lexical; an incremental build embeds only the paper that
 * changed and an open handle follows it (also while this process has begun a build of its own: it searches
 * the committed vectors, not the build's); a model of other dimensions gets a vectors table of its own, the old
 * one dropped after publishing; a build that fails half way, or loses its connection when the server
 * restarts, leaves the previous build answering, and the next build picks up from there; a process still on
 * the old model answers from the papers once another publishes a build with a model of other dimensions.
 * A forced rebuild re-embeds everything and keeps when each paper entered the index.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PostgresIndexBackend } from '../../src/adapters/postgres/postgres-index-backend.ts';
import { createTransformersEmbedder } from '../../src/adapters/embeddings/transformers-embedder.ts';
import type { Embedder } from '../../src/core/retrieval/embedder.ts';
import { retrieve } from '../../src/core/retrieval/hybrid-search.ts';
import { makeModel } from '../../src/dev/test-model.ts';
import { buildIndex } from '../../src/indexing/build-index.ts';
import { IndexHandle } from '../../src/indexing/open-index.ts';
import { closeAfterEach } from '../support/close-after-each.ts';
import { usePgliteServer, type PgliteServer } from '../support/pglite-server.ts';

const SHIPPED = path.resolve(import.meta.dirname, '../../corpus/seed-papers.jsonl');
const FAMUS_QUESTION = 'What does FaMUS approximate to save training time?';
const OPTIONS = { topK: 6, maxPassagesPerPaper: 2, gateMinCoverage: 0.3, gateMinSimilarity: undefined };

let server: PgliteServer;
let embedder: Embedder;
let tmp: string;
let corpusDir: string;
const backends = closeAfterEach<PostgresIndexBackend>();
const handles = closeAfterEach<IndexHandle>();
usePgliteServer((started) => {
  server = started;
});

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'paperbot-pg-build-'));
  const modelDir = await makeModel(path.join(tmp, 'model'));
  embedder = await createTransformersEmbedder({ model: 'test', modelDir, dtype: 'q8', cacheDir: path.join(tmp, 'cache'), allowRemote: false, loadTimeoutMs: 20_000 });
});
afterAll(async () => {
  await embedder?.dispose();
  rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => {
  corpusDir = mkdtempSync(path.join(tmp, 'corpus-'));
  mkdirSync(corpusDir, { recursive: true });
  copyFileSync(SHIPPED, path.join(corpusDir, 'seed-papers.jsonl'));
});

const open = async () => backends(await PostgresIndexBackend.open({ url: server.url, poolSize: 3, statementTimeoutMs: 20_000, hnsw: { m: 16, efConstruction: 64, efSearch: 40 } }));
const build = (backend: PostgresIndexBackend, using: Embedder = embedder) => buildIndex({ corpusDir, embedder: using, backend });

/** Two processes on one database: `here` has built the index and searches it through `handle`; `elsewhere` has built nothing yet. */
async function twoProcesses(): Promise<{ here: PostgresIndexBackend; elsewhere: PostgresIndexBackend; handle: IndexHandle }> {
  const here = await open();
  const elsewhere = await open();
  await build(here);
  const handle = handles(await IndexHandle.open({ embedder, backend: here, graceMs: 0 }));
  return { here, elsewhere, handle };
}

/** Line 7 (FaMUS) of the corpus with a sentence added to its abstract: its text changed, nothing else did. */
function changeFamus(sentence: string): void {
  const file = path.join(corpusDir, 'seed-papers.jsonl');
  const lines = readFileSync(file, 'utf8').split('\n');
  const famus = JSON.parse(lines[6] as string) as { abstract: string };
  lines[6] = JSON.stringify({ ...famus, abstract: `${famus.abstract} ${sentence}` });
  writeFileSync(file, lines.join('\n'));
}

/** What a question gets from the handle's current build: the first passage's paper and source line, and whether dense search took part. */
async function ask(handle: IndexHandle, question = FAMUS_QUESTION) {
  const current = await handle.current();
  const result = await retrieve(question, { store: current.store, ...(current.vectors === null ? {} : { vectors: current.vectors }), embedder }, OPTIONS);
  return { buildId: current.manifest.buildId, first: result.passages[0], passed: result.gate.passed, dense: result.passages.some((p) => p.similarity !== null), papers: result.passages.map((p) => p.paper.id) };
}

/** An embedder that runs `then` instead of embedding on its second call (the build is then half way). */
function failingOnSecondCall(then: () => Promise<never>): Embedder {
  let calls = 0;
  return {
    info: embedder.info,
    embedPassages: async (texts, options) => (++calls >= 2 ? then() : embedder.embedPassages(texts, options)),
    embedQuery: (text, options) => embedder.embedQuery(text, options),
    dispose: async () => undefined,
  };
}

describe('the index build on PostgreSQL', () => {
  it('builds the shipped corpus and answers the FaMUS question from it with dense and lexical search, citing line 7', async () => {
    const backend = await open();
    const report = await build(backend);
    expect(report.upToDate).toBe(false);
    expect(report.stats).toMatchObject({ added: 11, removed: 0, embeddedPapers: 11 });
    expect(report.manifest.counts.vectors).toBe(report.manifest.counts.passages);
    const handle = handles(await IndexHandle.open({ embedder, backend }));
    const answer = await ask(handle);
    expect(answer.first?.paper.label).toMatch(/Faster Meta Update Strategy/);
    expect(answer.first?.paper.source).toBe('seed-papers.jsonl:7');
    expect(answer.passed).toBe(true);
    expect(answer.dense).toBe(true);
    // Nothing changed: no new build.
    expect((await build(backend)).upToDate).toBe(true);
  });

  it('embeds only the paper whose text changed, and an open handle follows the new build', async () => {
    const backend = await open();
    const first = await build(backend);
    const handle = handles(await IndexHandle.open({ embedder, backend }));
    expect((await ask(handle)).buildId).toBe(first.manifest.buildId);

    changeFamus('Its zanzibarite variant skips the outer loop.');
    const second = await build(backend);
    expect(second.stats).toMatchObject({ added: 0, updated: 1, removed: 0, embeddedPapers: 1, embedded: 1 });
    expect(second.manifest.counts.vectors).toBe(first.manifest.counts.vectors);
    const after = await ask(handle, 'What is the zanzibarite variant?');
    expect(after.buildId).toBe(second.manifest.buildId);
    expect(after.first?.paper.source).toBe('seed-papers.jsonl:7');
  });

  it('searches the committed vectors when this process begins a build right after another process published one', async () => {
    const { here, elsewhere, handle } = await twoProcesses();
    changeFamus('Its zanzibarite variant skips the outer loop.');
    const second = await build(elsewhere);
    // This process begins a build (as /add or the daily fetch does) before its next question follows the new build.
    const release = await here.catalog.lock();
    const started = await here.catalog.begin('begun-here');
    expect((await handle.current()).manifest.buildId).toBe(second.manifest.buildId);
    await here.catalog.discard(started);
    await release();
    // The vectors the handle opened meanwhile are the committed ones, read through the pool: the build's session has ended.
    const answer = await ask(handle, 'What is the zanzibarite variant?');
    expect(answer).toMatchObject({ buildId: second.manifest.buildId, dense: true });
    expect(answer.first?.paper.source).toBe('seed-papers.jsonl:7');
  });

  it('leaves the previous build answering when a build fails half way, and the next build embeds only what changed', async () => {
    const backend = await open();
    const first = await build(backend);
    const handle = handles(await IndexHandle.open({ embedder, backend }));
    changeFamus('A second sentence.');
    // Two changed papers, so the build's second embedding batch (of one passage each) is where it fails.
    const file = path.join(corpusDir, 'seed-papers.jsonl');
    writeFileSync(file, readFileSync(file, 'utf8').replace('Sharpness-aware minimization (SAM)', 'Sharpness-aware minimisation (SAM)'));
    const failing = failingOnSecondCall(() => Promise.reject(new Error('the embedder crashed')));
    await expect(buildIndex({ corpusDir, embedder: failing, backend, batchSize: 1 })).rejects.toThrow('the embedder crashed');

    const answer = await ask(handle);
    expect(answer.buildId).toBe(first.manifest.buildId);
    expect(answer.first?.paper.source).toBe('seed-papers.jsonl:7');
    expect((await (await handle.current()).store.counts()).passages).toBe(first.manifest.counts.passages);
    const next = await build(backend);
    expect(next.stats).toMatchObject({ updated: 2, embeddedPapers: 2 });
  });

  it('re-embeds every paper in a forced rebuild, keeping when each entered the index', async () => {
    const backend = await open();
    const first = await build(backend);
    const entered = async () => (await (await backend.papers.open(first.buildDir)).allPapers()).map((p) => [p.id, p.addedAt]);
    const before = await entered();
    const rebuilt = await buildIndex({ corpusDir, embedder, backend, rebuild: true, now: () => new Date('2030-01-01T00:00:00Z') });
    expect(rebuilt.stats).toMatchObject({ added: 11, embeddedPapers: 11 });
    expect(rebuilt.manifest.counts).toEqual(first.manifest.counts);
    expect(await entered()).toEqual(before);
    const handle = handles(await IndexHandle.open({ embedder, backend }));
    expect((await ask(handle)).first?.paper.source).toBe('seed-papers.jsonl:7');
  });

  it('moves to a model of other dimensions in a new vectors table, dropping the old one once the new build is published', async () => {
    const backend = await open();
    await build(backend);
    const smaller = await createTransformersEmbedder({ model: 'test', modelDir: await makeModel(path.join(tmp, 'model-16'), 16), dtype: 'q8', cacheDir: path.join(tmp, 'cache'), allowRemote: false, loadTimeoutMs: 20_000 });
    try {
      const report = await build(backend, smaller);
      expect(report.stats).toMatchObject({ embeddedPapers: 11 });
      expect(report.manifest.embeddings?.dims).toBe(16);
      const tables = await backend.pool.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE tablename LIKE 'passage_vectors_%'");
      expect(tables.map((t) => t.name)).toEqual(['passage_vectors_16']);
      const handle = handles(await IndexHandle.open({ embedder: smaller, backend }));
      const current = await handle.current();
      const result = await retrieve(FAMUS_QUESTION, { store: current.store, ...(current.vectors === null ? {} : { vectors: current.vectors }), embedder: smaller }, OPTIONS);
      expect(result.passages[0]?.paper.source).toBe('seed-papers.jsonl:7');
      expect(current.vectors?.dims).toBe(16);
    } finally {
      await smaller.dispose();
    }
  });

  it('keeps answering from the papers in a process on the old model after another process publishes a build with a model of other dimensions', async () => {
    const { here, elsewhere, handle } = await twoProcesses();
    const smaller = await createTransformersEmbedder({ model: 'test', modelDir: await makeModel(path.join(tmp, 'model-16b'), 16), dtype: 'q8', cacheDir: path.join(tmp, 'cache'), allowRemote: false, loadTimeoutMs: 20_000 });
    try {
      await build(elsewhere, smaller);
    } finally {
      await smaller.dispose();
    }
    // This process cannot search the new build's vectors with its model (it logs why), and its old vectors table is gone.
    expect(await here.vectors.exists((await handle.current()).dir)).toBe(false);
    const answer = await ask(handle);
    expect(answer).toMatchObject({ passed: true, dense: false });
    expect(answer.first?.paper.source).toBe('seed-papers.jsonl:7');
  });

  it('stops searching vectors in a process on the old model after another process publishes a build with another model of the same dimensions', async () => {
    const { elsewhere, handle } = await twoProcesses();
    expect((await ask(handle)).dense).toBe(true);
    // Another model with as many dimensions: the live vectors table is refilled with vectors this process's queries do not match.
    const other: Embedder = {
      ...embedder,
      info: { ...embedder.info, modelId: 'local:another-model' },
      embedPassages: async (texts, options) => (await embedder.embedPassages(texts, options)).map((v) => v.map((x) => -x)),
    };
    await build(elsewhere, other);

    const current = await handle.current();
    expect(current.vectors).toBeNull();
    expect(current.lexicalReason).toMatch(/another-model/);
    const answer = await ask(handle);
    expect(answer.dense).toBe(false);
    expect(answer.first?.paper.source).toBe('seed-papers.jsonl:7');
  });

  it('leaves the previous build answering when the server drops the build’s connection (a restart mid-build)', async () => {
    const backend = await open();
    const first = await build(backend);
    changeFamus('A sentence the killed build never commits.');
    // Two changed papers, so the build's second embedding batch (of one passage each) is where the server restarts.
    const file = path.join(corpusDir, 'seed-papers.jsonl');
    writeFileSync(file, readFileSync(file, 'utf8').replace('Sharpness-aware minimization (SAM)', 'Sharpness-aware minimisation (SAM)'));
    const cut = failingOnSecondCall(async () => {
      await server.stop();
      await server.restart();
      return embedder.embedPassages(['after the restart']) as never;
    });
    const failed = await buildIndex({ corpusDir, embedder: cut, backend, batchSize: 1 }).catch((error: unknown) => error);
    expect(failed).toMatchObject({ code: 'E_DATABASE_UNAVAILABLE' });

    const handle = handles(await IndexHandle.open({ embedder, backend }));
    const answer = await ask(handle);
    expect(answer.buildId).toBe(first.manifest.buildId);
    expect(answer.first?.paper.source).toBe('seed-papers.jsonl:7');
    // The lock went with the dropped session: the next build runs, and embeds the changed paper only.
    expect((await build(backend)).stats).toMatchObject({ updated: 2, embeddedPapers: 2 });
  });
});
