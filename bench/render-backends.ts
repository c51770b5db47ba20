/**
 * BENCHMARKS.md's sections for `npm run bench -- --backend postgres`: per size, SQLite + hnswlib and PostgreSQL
 * side by side (same run, corpus, model and questions), with which numbers are PGlite's and what a native
 * server changes, since PGlite is PostgreSQL compiled to WebAssembly running on one thread in the bench's process.
 */
import type { BackendComparison, BackendFigures } from './backend-bench.ts';

const ORDER = ['1k', '10k', '100k'];

export function renderBackends(backends: Record<string, BackendComparison> | undefined): string[] {
  if (backends === undefined) return [];
  return ORDER.flatMap((size) => {
    const run = backends[size];
    return run === undefined ? [] : renderComparison(run);
  });
}

function renderComparison(r: BackendComparison): string[] {
  const ms = (x: number) => `${x < 10 ? x.toFixed(2) : x.toFixed(1)} ms`;
  const both = (f: (b: BackendFigures) => string) => `${f(r.sqlite)} | ${f(r.postgres)}`;
  const ratio = (f: (b: BackendFigures) => number) => `${(f(r.postgres) / f(r.sqlite)).toFixed(2)}×`;
  const pglite = r.server.kind === 'pglite';
  return [
    `## PostgreSQL beside SQLite: ${r.abstracts.toLocaleString('en-US')} abstracts (${r.date})`,
    '',
    `\`npm run bench -- --backend postgres --size ${r.size}\`: both backends built and queried by the product's own parts`,
    '(`createApp` without and with `DATABASE_URL`), one after the other in the same run, on the same corpus, model and questions.',
    '',
    `- corpus: ${r.corpus.description}; ${r.sqlite.passages.toLocaleString('en-US')} passages`,
    `- model: ${r.model.note}; ${r.model.dims} dims`,
    `- PostgreSQL: ${r.postgres.backend}${pglite ? ', started by the bench and reached over 127.0.0.1 with `pg`' : ''}`,
    `- machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGb} GB, Node ${r.machine.node}; load average ${r.sqlite.load.before} → ${r.sqlite.load.after} (SQLite), ${r.postgres.load.before} → ${r.postgres.load.after} (PostgreSQL)`,
    `- settings: ${r.settings.workers} embedding workers, HNSW M=${r.settings.hnsw.m} efConstruction=${r.settings.hnsw.efConstruction} ef_search=${r.settings.hnsw.efSearch} (both), ${r.settings.queries} questions after 10 warm-up ones; the whole run took ${Math.round(r.runtimeSeconds / 6) / 10} min`,
    '',
    `| measure | SQLite + hnswlib | ${pglite ? 'PostgreSQL on PGlite' : 'PostgreSQL'} | PostgreSQL's time ÷ SQLite's |`,
    '|---|---|---|---|',
    `| full build | ${both((b) => `${b.build.seconds} s (${b.build.abstractsPerSecond} abstracts/s)`)} | ${ratio((b) => b.build.seconds)} |`,
    `| rebuild, nothing changed | ${both((b) => `${b.incremental.unchangedSeconds} s`)} | ${ratio((b) => b.incremental.unchangedSeconds)} |`,
    `| rebuild, one abstract added | ${both((b) => `${b.incremental.oneAddedSeconds} s (embedded ${b.incremental.oneAddedEmbedded})`)} | ${ratio((b) => b.incremental.oneAddedSeconds)} |`,
    `| retrieval p50 / p95 (embedding + vectors + words + fusion + gate) | ${both((b) => `${ms(b.retrieval.p50)} / ${ms(b.retrieval.p95)}`)} | ${ratio((b) => b.retrieval.p50)} (p50) |`,
    `| lexical-only retrieval p50 / p95 | ${both((b) => `${ms(b.lexicalOnly.p50)} / ${ms(b.lexicalOnly.p95)}`)} | ${ratio((b) => b.lexicalOnly.p50)} (p50) |`,
    `| vector search alone p50 / p95 (k=20) | ${both((b) => `${ms(b.vectorSearch.p50)} / ${ms(b.vectorSearch.p95)}`)} | ${ratio((b) => b.vectorSearch.p50)} (p50) |`,
    `| exact search over the same vectors (plain JS) p50 | ${both((b) => ms(b.exactSearch.p50))} | |`,
    `| recall@10 against exact search | ${both((b) => String(b.recallAt10))} | |`,
    '',
    ...(pglite
      ? [
          "Every figure in the PostgreSQL column is PGlite's: PostgreSQL compiled to WebAssembly, running on ONE thread inside",
          "the bench's own Node process, with every connection multiplexed over its single session, so its query time also",
          "competes with the bench's event loop. A native PostgreSQL server runs the same pgvector and full-text code as",
          'compiled C in processes of its own: per-query execution is faster, connections run in parallel (PGlite serializes',
          "them), and pgvector builds an HNSW index with parallel workers (`max_parallel_maintenance_workers`), which PGlite's",
          'single thread cannot. Over a network each statement adds a round trip (a fraction of a millisecond on a LAN), which',
          "a retrieval pays a few times. Recall@10 depends on the graph's parameters and ef_search, not on where it runs: it",
          'carries over to a native server. Measure a native server with `DATABASE_URL=postgres://… npm run bench -- --backend postgres`',
          '(an empty database of its own).',
          '',
        ]
      : []),
  ];
}
