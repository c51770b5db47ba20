/**
 * `npm run bench -- --backend postgres [--size 10k]`: the PostgreSQL backend (papers and full-text search in
 * tables, vectors in pgvector's HNSW) beside SQLite + hnswlib, both measured in the same run on the same corpus,
 * model and questions, through the product's own parts (`createApp` with and without DATABASE_URL): the full
 * build, incremental rebuilds, retrieval p50/p95, the vector search alone and its recall@10 against exact
 * search over the same vectors. PostgreSQL is PGlite (PostgreSQL compiled to WebAssembly, one thread, in this
 * process, served on 127.0.0.1 by pglite-socket and reached through `pg` like any server) started by the bench
 * itself, or the server of DATABASE_URL when one is given (an empty database: the bench builds its index there).
 */
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { createApp, type App } from '../src/app.ts';
import { describeDatabaseUrl } from '../src/adapters/postgres/postgres-pool.ts';
import { parseConfig, type Config } from '../src/config.ts';
import { silentLogger } from '../src/core/logger.ts';
import type { Embedder } from '../src/core/retrieval/embedder.ts';
import type { PaperStore } from '../src/core/retrieval/paper-store.ts';
import type { VectorIndex } from '../src/core/retrieval/vector-index.ts';
import { benchCorpus, benchQueries, type BenchCorpus } from './bench-corpus.ts';
import { BruteForceIndex } from './brute-force-index.ts';
import { latency, load, machine, round, timed, timeEach, type Latency, type Machine } from './measure.ts';

/** One backend's figures, measured the same way for both. */
export interface BackendFigures {
  /** "SQLite + hnswlib" or "PostgreSQL 18.x (PGlite …)". */
  backend: string;
  passages: number;
  build: { seconds: number; abstractsPerSecond: number };
  incremental: { unchangedSeconds: number; oneAddedSeconds: number; oneAddedEmbedded: number };
  /** `Assistant.retrieve`: query embedding + vector search + lexical search + fusion + gate. */
  retrieval: Latency;
  lexicalOnly: Latency;
  /** The backend's vector search alone (k=20), and exact search in JS over the same vectors. */
  vectorSearch: Latency;
  exactSearch: Latency;
  /** The backend's top 10 against the exact top 10, for the same query vectors. */
  recallAt10: number;
  load: { before: number; after: number };
}

export interface BackendComparison {
  size: string;
  abstracts: number;
  date: string;
  run: string;
  machine: Machine;
  runtimeSeconds: number;
  corpus: { kind: BenchCorpus['kind']; description: string };
  model: { note: string; dims: number };
  settings: { workers: number; hnsw: Config['hnsw']; queries: number };
  /** Where PostgreSQL ran: PGlite started by the bench, or the server of DATABASE_URL (without its password). */
  server: { kind: 'pglite' | 'server'; version: string; where: string };
  sqlite: BackendFigures;
  postgres: BackendFigures;
}

export interface BackendBenchInput {
  size: string;
  abstracts: number;
  dataset: string;
  queries: number;
  /** The server to measure; undefined: PGlite, started here. */
  databaseUrl: string | undefined;
  /** The embedding model folder for both backends, and what the report says of it. */
  model: (corpus: BenchCorpus, tmp: string) => Promise<{ dir: string; note: string }>;
  log: (line: string) => void;
  run: string;
}

export async function benchBackends(input: BackendBenchInput): Promise<BackendComparison> {
  const started = performance.now();
  const step = (text: string) => input.log(`[${input.size} postgres ${((performance.now() - started) / 1000).toFixed(0)}s load ${load()}] ${text}`);
  const tmp = mkdtempSync(path.join(os.tmpdir(), `paperbot-bench-backends-${input.size}-`));
  const server = input.databaseUrl === undefined ? await startPglite(step) : await givenServer(input.databaseUrl);
  try {
    step(`preparing ${input.abstracts} abstracts`);
    const corpus = await benchCorpus(input.abstracts, { dataset: input.dataset });
    const model = await input.model(corpus, tmp);
    const queries = benchQueries(corpus, input.queries);
    const measureOn = async (name: string, backend: string, databaseUrl: string | undefined): Promise<{ figures: BackendFigures; config: Config; dims: number }> => {
      const dir = path.join(tmp, name);
      const corpusDir = path.join(dir, 'corpus');
      mkdirSync(corpusDir, { recursive: true });
      writeFileSync(path.join(corpusDir, 'bench.jsonl'), `${corpus.records.map((r) => JSON.stringify(r)).join('\n')}\n`);
      const config = parseConfig(
        { DATA_DIR: path.join(dir, 'data'), CORPUS_DIR: corpusDir, EMBEDDINGS: 'dense', EMBEDDING_MODEL_DIR: model.dir, EMBEDDING_ALLOW_REMOTE: 'false', ...(databaseUrl === undefined ? {} : { DATABASE_URL: databaseUrl }) },
        dir,
      );
      const app = createApp(config, { logger: silentLogger, chatModel: null });
      try {
        const embedder = (await app.embedder()).embedder as Embedder;
        return { figures: await measureBackend(app, { backend, corpus, corpusDir, queries, embedder, step: (t) => step(`${backend}: ${t}`) }), config, dims: embedder.info.dims };
      } finally {
        await app.close();
      }
    };
    const sqlite = await measureOn('sqlite', 'SQLite + hnswlib', undefined);
    const postgres = await measureOn('postgres', server.label, server.url);
    return {
      size: input.size,
      abstracts: input.abstracts,
      date: new Date().toISOString().slice(0, 10),
      run: input.run,
      machine: machine(),
      runtimeSeconds: Math.round((performance.now() - started) / 1000),
      corpus: { kind: corpus.kind, description: corpus.description },
      model: { note: model.note, dims: sqlite.dims },
      settings: { workers: sqlite.config.embeddings.workers, hnsw: sqlite.config.hnsw, queries: queries.length },
      server: { kind: server.kind, version: server.version, where: describeDatabaseUrl(server.url) },
      sqlite: sqlite.figures,
      postgres: postgres.figures,
    };
  } finally {
    await server.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

interface MeasureInput {
  backend: string;
  corpus: BenchCorpus;
  corpusDir: string;
  queries: readonly string[];
  embedder: Embedder;
  step: (text: string) => void;
}

async function measureBackend(app: App, { backend, corpus, corpusDir, queries, embedder, step }: MeasureInput): Promise<BackendFigures> {
  const loadBefore = load();
  step('full build');
  const full = await timed(() => app.buildIndex());
  step(`built in ${(full.ms / 1000).toFixed(1)} s; rebuilding with nothing changed`);
  const unchanged = await timed(() => app.buildIndex());
  if (!unchanged.value.upToDate) throw new Error(`${backend}: the unchanged rebuild was not up to date`);
  step('rebuilding with one abstract added');
  appendFileSync(path.join(corpusDir, 'bench.jsonl'), `${JSON.stringify({ abstract: `${corpus.records[0]?.abstract ?? ''} (A revised version, added for the incremental benchmark.)` })}\n`);
  const oneAdded = await timed(() => app.buildIndex());

  const assistant = await app.assistant();
  step(`retrieval over ${queries.length} questions`);
  const retrieval = latency(await timeEach(queries, (q) => assistant.retrieve(q)));
  const lexicalOnly = latency(await timeEach(queries, (q) => assistant.retrieve(q, { mode: 'lexical' })));

  const open = await (await app.index()).current();
  const vectors = open.vectors;
  if (vectors === null) throw new Error(`${backend}: the benchmark index has no vectors`);
  step('reading every vector back for exact search');
  const exact = await exactIndexOf(open.store, vectors);
  const queryVectors: number[][] = [];
  for (const q of queries) queryVectors.push(await embedder.embedQuery(q));
  step('vector search alone, and recall@10 against exact search');
  const vectorSearch = latency(await timeEach(queryVectors, (v) => vectors.search(v, 20)));
  const exactSearch = latency(await timeEach(queryVectors, (v) => exact.search(v, 20)));
  let found = 0;
  let wanted = 0;
  for (const v of queryVectors) {
    const truth = new Set(exact.search(v, 10).map((h) => h.label));
    const hits = await vectors.search(v, 10);
    found += hits.filter((h) => truth.has(h.label)).length;
    wanted += truth.size;
  }
  return {
    backend,
    passages: oneAdded.value.manifest.counts.passages,
    build: { seconds: round(full.ms / 1000, 1), abstractsPerSecond: round(corpus.records.length / (full.ms / 1000), 2) },
    incremental: { unchangedSeconds: round(unchanged.ms / 1000, 3), oneAddedSeconds: round(oneAdded.ms / 1000, 2), oneAddedEmbedded: oneAdded.value.stats.embeddedPapers },
    retrieval,
    lexicalOnly,
    vectorSearch,
    exactSearch,
    recallAt10: round(found / Math.max(1, wanted), 4),
    load: { before: loadBefore, after: load() },
  };
}

/** The backend's own vectors, read back through its port, in a plain-JS exact index. */
async function exactIndexOf(store: Pick<PaperStore, 'allPapers' | 'passageIdsOf'>, vectors: Pick<VectorIndex, 'dims' | 'getVector'>): Promise<BruteForceIndex> {
  const entries: { label: number; vector: number[] }[] = [];
  for (const paper of await store.allPapers()) {
    for (const label of await store.passageIdsOf(paper.id)) {
      const vector = await vectors.getVector(label);
      if (vector !== undefined) entries.push({ label, vector });
    }
  }
  return new BruteForceIndex(vectors.dims, entries);
}

interface BenchServer {
  kind: 'pglite' | 'server';
  url: string;
  /** The backend's name in the report: "PostgreSQL 18.6 (PGlite 0.5.14, WebAssembly, one thread)". */
  label: string;
  version: string;
  close(): Promise<void>;
}

/** PGlite with pgvector, in memory, served on 127.0.0.1 like a server: what the tests use, nothing installed. */
async function startPglite(step: (text: string) => void): Promise<BenchServer> {
  step('starting PGlite (PostgreSQL in WebAssembly) with pgvector on 127.0.0.1');
  const db = await PGlite.create({ extensions: { vector } });
  // Several connections (the build's transaction, the readers) multiplexed over PGlite's one session.
  const socket = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections: 10 });
  await socket.start();
  const port = Number(socket.getServerConn().split(':').at(-1));
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const version = await serverVersion(url);
  return {
    kind: 'pglite',
    url,
    label: `PostgreSQL ${version} (PGlite ${PGLITE_VERSION}, WebAssembly, one thread)`,
    version,
    async close() {
      await socket.stop();
      await db.close();
    },
  };
}

/** The server of DATABASE_URL, which must hold no tables yet: the bench builds an index there and would replace one. */
async function givenServer(url: string): Promise<BenchServer> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>('SELECT COUNT(*)::text AS n FROM pg_tables WHERE schemaname = current_schema()');
    if (Number(rows[0]?.n ?? 0) > 0) {
      throw new Error(`${describeDatabaseUrl(url)} already holds ${rows[0]?.n} tables: give the bench an empty database of its own (it builds an index there), or leave DATABASE_URL unset to measure PGlite`);
    }
  } finally {
    await client.end();
  }
  const version = await serverVersion(url);
  return { kind: 'server', url, label: `PostgreSQL ${version} (${describeDatabaseUrl(url)})`, version, close: async () => {} };
}

async function serverVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
    return rows[0]?.v ?? 'unknown';
  } finally {
    await client.end();
  }
}

/** The PGlite release the numbers were measured on (its package.json is not among its exports). */
const PGLITE_VERSION: string = (() => {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  return (JSON.parse(readFileSync(path.join(path.dirname(entry), '..', 'package.json'), 'utf8')) as { version: string }).version;
})();
