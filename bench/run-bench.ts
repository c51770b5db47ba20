/**
 * `npm run bench -- [--size 1k|10k|100k ...]`: how fast paperbot builds, updates and searches an index and
 * how much memory it needs, each figure next to a baseline measured in the same run (ratios, not absolute
 * numbers, are what survive a change of machine):
 *
 * - build throughput: `buildIndex` (worker pool, length-sorted batches) vs one `pipeline()` embedding one
 *   abstract at a time with default threads;
 * - incremental rebuild of the unchanged corpus (and with one paper added) vs the full build;
 * - retrieval latency (query embedding + HNSW + FTS5 + fusion + gate) vs the same retrieval over exact
 *   brute-force cosine in JS, and HNSW alone vs brute force alone, with HNSW's recall@10 against the exact
 *   result for several `ef`;
 * - RSS of a process that has loaded the model and the index; bytes per passage on disk;
 * - time to an extractive answer (no LLM).
 *
 * Results are merged into bench/results.json (per size) and BENCHMARKS.md is regenerated from it.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { env, pipeline } from '@huggingface/transformers';
import type { DataType } from '@huggingface/transformers';
import { parseConfig, type Config } from '../src/config.ts';
import { silentLogger } from '../src/core/logger.ts';
import { contentTerms, splitSentences } from '../src/core/text.ts';
import { syntheticAbstracts } from '../src/dev/synthetic-corpus.ts';
import { inverseDocumentFrequencies, retrieve } from '../src/core/retrieval/hybrid-search.ts';
import type { PaperStore } from '../src/core/retrieval/paper-store.ts';
import { similarPapers } from '../src/core/retrieval/similar-papers.ts';
import type { Embedder } from '../src/core/retrieval/embedder.ts';
import { createApp, type App } from '../src/app.ts';
import type { BuildProgress } from '../src/indexing/build-index.ts';
import { createTransformersEmbedder } from '../src/adapters/embeddings/transformers-embedder.ts';
import { createWorkerPoolEmbedder } from '../src/adapters/embeddings/worker-pool-embedder.ts';
import { HnswVectorIndex } from '../src/adapters/vector-index/hnsw-vector-index.ts';
import { SQLITE_HNSW_FILES } from '../src/adapters/sqlite-hnsw-backend.ts';
import { makeModel, makeTestModel } from '../src/dev/test-model.ts';
import { benchCorpus, benchQueries, shuffled, type BenchCorpus } from './bench-corpus.ts';
import { BruteForceIndex } from './brute-force-index.ts';
import { latency, load, machine, round, timed, timeEach, type Latency, type Machine } from './measure.ts';
import { renderBenchmarks } from './render-benchmarks.ts';
import { benchBackends, type BackendComparison } from './backend-bench.ts';
import { defineCommandLine, parseCommandLine, printHelp, usageError } from '../src/cli/command-line.ts';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const PROJECT_ROOT = path.resolve(BENCH_DIR, '..');
const SHARED = path.resolve(PROJECT_ROOT, '..', 'shared');
export const DEFAULT_MODEL = path.join(SHARED, 'models', 'bench-minilm-l6-random');
export const DEFAULT_DATASET = path.join(SHARED, 'datasets', 'conference-abstracts.jsonl.gz');
const TSX_CLI = path.join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const EF_SWEEP = [10, 25, 50, 100, 200, 400];
/** `--model text-like`: the whole run on the bag-of-words model (fast: for memory and latency at 100k). */
const TEXT_LIKE = 'text-like';
const TEXT_LIKE_NOTE = "a 384-dimension bag-of-words model (the project's test model with the corpus's vocabulary)";
const SIZES: Record<string, number> = { '1k': 1_000, '10k': 10_000, '100k': 100_000 };

export interface SizeResult {
  size: string;
  abstracts: number;
  date: string;
  machine: Machine;
  /** 1-minute load average before and after: other work on the machine disturbs every number. */
  load: { before: number; after: number };
  runtimeSeconds: number;
  /** When the `npm run bench` invocation that measured this size started: ratios across sizes need one run. */
  run?: string;
  corpus: { kind: BenchCorpus['kind']; description: string; passages: number };
  /** bench: the shared random-weight model; text-like: --model text-like; test: the fallback test model; custom: --model DIR. */
  model: { kind: 'bench' | 'text-like' | 'test' | 'custom'; id: string; dims: number; pooling: string; dtype: string; note: string };
  settings: { workers: number; threadsPerWorker: number; hnsw: Config['hnsw']; topK: number };
  build: {
    seconds: number;
    /** Abstracts per second of the whole build (load corpus, SQLite, embed, HNSW, write). */
    abstractsPerSecond: number;
    /** Passages per second of the embedding phase alone, as the progress bar shows it. */
    embeddingPassagesPerSecond: number | null;
    /**
     * Embedding alone, three ways over the same sample, interleaved chunk by chunk (alternating order) so that
     * other work on the machine slows all three alike: the project's embedder (the worker pool), the
     * in-process embedder (EMBEDDING_WORKERS=0) and the naive pipeline. Abstracts per second.
     */
    embedding: { abstracts: number; chunk: number; note: string; project: number; inProcess: number; naive: number; ratio: number } | null;
    /** Whole build vs the naive pipeline's embedding (which is all the naive pipeline does). */
    ratio: number | null;
  };
  incremental: {
    unchangedSeconds: number;
    ratio: number;
    oneAddedSeconds: number;
    oneAddedEmbedded: number;
    /** 200 new abstracts appended at once (a daily arXiv fetch's order of size); absent in runs before it was measured. */
    batchAdded?: { papers: number; seconds: number; embedded: number; ratio: number };
  };
  query: {
    queries: number;
    retrieval: Latency;
    retrievalBruteForce: Latency;
    retrievalRatio: number;
    lexicalOnly: Latency;
    /**
     * `/similar` without vectors (its lexical query) over sampled papers: through the term budget of
     * lexical-query.ts, against the query it sent before (the paper's 16 most distinctive words); absent in
     * runs before it was measured.
     */
    similarByWords?: { papers: number; budgeted: Latency; allWords: Latency; ratio: number; termsBudgeted: number; termsAll: number };
    queryEmbedding: Latency;
    hnswSearch: Latency;
    bruteForceSearch: Latency;
    searchRatio: number;
    recallAt10: number;
    efSweep: EfPoint[];
    /** Mean pairwise cosine of 200 passage vectors: near 1, every abstract points the same way. */
    meanCosine: number;
    /** The same searches over bag-of-words vectors of the same abstracts: text-like geometry, unlike the random model's. */
    textLike: { note: string; meanCosine: number; hnswSearch: Latency; bruteForceSearch: Latency; searchRatio: number; recallAt10: number; efSweep: EfPoint[] };
  };
  firstAnswer: Latency;
  memory: { rssStartMb: number; rssModelMb: number; rssIndexMb: number; rssAfterQuestionsMb: number; indexLoadMs: number; indexBytes: number; bytesPerPassage: number; vectorsBytes: number; storeBytes: number };
}

export interface EfPoint {
  ef: number;
  recallAt10: number;
  /** Search p50 (k=20) in ms. */
  p50: number;
}

/** Issue 9's question: a day of arXiv arriving in a 10k index, against building the whole 12k from scratch. */
export interface ArrivalResult {
  date: string;
  model: string;
  basePapers: number;
  added: number;
  /** From appending the new papers to the corpus until the running assistant retrieves from the new build. */
  searchableSeconds: number;
  /** A full build of all the papers (base + added) from scratch, in the same run. */
  fullBuildSeconds: number;
  /** searchableSeconds / fullBuildSeconds: the target is at most 0.25. */
  ratio: number;
  loadBefore: number;
  loadAfter: number;
}

export interface BenchResults {
  /** `npm run bench -- --arrival`: absent until it was run. */
  arrival?: ArrivalResult;
  /** `npm run bench -- --backend postgres`, per size: absent until it was run. */
  backends?: Record<string, BackendComparison>;
  note: string;
  runs: Record<string, SizeResult>;
}

interface BenchArgs {
  sizes: string[];
  model: string;
  dataset: string;
  naiveSample: number;
  queries: number;
  out: string;
  markdown: string;
  arrival: boolean;
  backend: 'sqlite' | 'postgres';
}

export const BENCH_COMMAND_LINE = defineCommandLine({
  command: 'npm run bench --',
  summary: 'Measures building, updating and searching an index and its memory, each figure beside a baseline of the same run; merges the results into bench/results.json and regenerates BENCHMARKS.md.',
  options: {
    size: { type: 'string', value: 'size', multiple: true, default: ['1k', '10k'], description: 'corpus size: 1k, 10k or 100k (repeat it, or separate with commas)' },
    model: { type: 'string', value: 'dir or text-like', default: DEFAULT_MODEL, description: `the embedding model folder, or ${TEXT_LIKE} for a fast bag-of-words model` },
    dataset: { type: 'string', value: 'file', default: DEFAULT_DATASET, description: 'real abstracts (JSONL, optionally gzipped); synthetic ones when it is missing' },
    'compare-sample': { type: 'whole', value: 'count', default: 1_200, description: 'abstracts embedded by each of the three embedders compared' },
    queries: { type: 'whole', value: 'count', default: 200, description: 'questions timed for retrieval latency' },
    out: { type: 'string', value: 'file', default: path.join(BENCH_DIR, 'results.json'), description: 'the results file, merged per size' },
    markdown: { type: 'string', value: 'file', default: path.join(PROJECT_ROOT, 'BENCHMARKS.md'), description: 'the report regenerated from the results' },
    arrival: { type: 'boolean', description: 'instead of the sizes: 2,000 new papers added to a 10k index (searchable after how long?) against a full build of the 12k' },
    backend: {
      type: 'string',
      value: 'backend',
      default: 'sqlite',
      description: 'postgres: instead, the PostgreSQL backend (pgvector) beside SQLite + hnswlib in one run, on PGlite started by the bench, or on the empty database of DATABASE_URL when set',
    },
  },
});

/** The benchmark a command line asks for, or null for `--help`. */
function parseBenchArgs(argv: readonly string[]): BenchArgs | null {
  const line = parseCommandLine(BENCH_COMMAND_LINE, argv);
  if (line.help) return null;
  const { options } = line;
  const sizes = options.size.flatMap((s) => s.split(',')).map((s) => s.trim().toLowerCase());
  for (const s of sizes) if (SIZES[s] === undefined) throw usageError(BENCH_COMMAND_LINE, `Unknown size "${s}": expected 1k, 10k or 100k.`);
  const backend = options.backend.trim().toLowerCase();
  if (backend !== 'sqlite' && backend !== 'postgres') throw usageError(BENCH_COMMAND_LINE, `Unknown backend "${options.backend}": expected sqlite or postgres.`);
  return {
    sizes,
    model: options.model,
    dataset: options.dataset,
    naiveSample: options['compare-sample'],
    queries: options.queries,
    out: options.out,
    markdown: options.markdown,
    arrival: options.arrival,
    backend,
  };
}

export interface BenchIo {
  log: (line: string) => void;
  stdout: NodeJS.WritableStream;
  /** DATABASE_URL: the server `--backend postgres` measures (else PGlite). */
  databaseUrl?: string | undefined;
}

export async function benchMain(argv: readonly string[], { log, stdout, databaseUrl }: BenchIo): Promise<void> {
  const args = parseBenchArgs(argv);
  if (args === null) {
    printHelp(BENCH_COMMAND_LINE, stdout);
    return;
  }
  const results: BenchResults = existsSync(args.out) ? (JSON.parse(readFileSync(args.out, 'utf8')) as BenchResults) : { note: '', runs: {} };
  results.note = 'Written by `npm run bench`; BENCHMARKS.md is generated from this file. Each size keeps its latest run.';
  const run = new Date().toISOString();
  if (args.arrival) {
    results.arrival = await benchArrival(args, log);
    writeFileSync(args.out, `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(args.markdown, renderBenchmarks(results, existsSync(args.markdown) ? readFileSync(args.markdown, 'utf8') : ''));
    log(`arrival: searchable after ${results.arrival.searchableSeconds} s, full build ${results.arrival.fullBuildSeconds} s, ratio ${results.arrival.ratio}`);
    return;
  }
  const write = () => {
    writeFileSync(args.out, `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(args.markdown, renderBenchmarks(results, existsSync(args.markdown) ? readFileSync(args.markdown, 'utf8') : ''));
  };
  if (args.backend === 'postgres') {
    for (const size of args.sizes) {
      const model = (corpus: BenchCorpus, tmp: string) => benchModelOf(args, corpus, tmp);
      const result = await benchBackends({ size, abstracts: SIZES[size] ?? 0, dataset: args.dataset, queries: args.queries, databaseUrl, model, log, run });
      results.backends = { ...results.backends, [size]: result };
      write();
      log(`${size} postgres: done in ${result.runtimeSeconds} s; wrote ${path.relative(process.cwd(), args.out)} and ${path.relative(process.cwd(), args.markdown)}`);
    }
    return;
  }
  for (const size of args.sizes) {
    const result = { ...(await benchSize(size, args, log)), run };
    results.runs[size] = result;
    writeFileSync(args.out, `${JSON.stringify(results, null, 2)}\n`);
    const previous = existsSync(args.markdown) ? readFileSync(args.markdown, 'utf8') : '';
    writeFileSync(args.markdown, renderBenchmarks(results, previous));
    log(`${size}: done in ${result.runtimeSeconds} s; wrote ${path.relative(process.cwd(), args.out)} and ${path.relative(process.cwd(), args.markdown)}`);
  }
}

async function benchSize(size: string, args: BenchArgs, log: (line: string) => void): Promise<SizeResult> {
  const n = SIZES[size] ?? 0;
  const started = performance.now();
  const loadBefore = load();
  const tmp = mkdtempSync(path.join(os.tmpdir(), `paperbot-bench-${size}-`));
  const step = (text: string) => log(`[${size} ${((performance.now() - started) / 1000).toFixed(0)}s load ${load()}] ${text}`);
  try {
    step(`preparing ${n} abstracts`);
    const corpus = await benchCorpus(n, { dataset: args.dataset });
    const corpusDir = path.join(tmp, 'corpus');
    mkdirSync(corpusDir, { recursive: true });
    const corpusFile = path.join(corpusDir, 'bench.jsonl');
    writeFileSync(corpusFile, `${corpus.records.map((r) => JSON.stringify(r)).join('\n')}\n`);

    const textLikeModel = args.model === TEXT_LIKE;
    const benchModel = !textLikeModel && existsSync(path.join(args.model, 'config.json'));
    const { dir: modelDir, note: modelNote } = await benchModelOf(args, corpus, tmp);
    const config = parseConfig({ DATA_DIR: path.join(tmp, 'data'), CORPUS_DIR: corpusDir, EMBEDDINGS: 'dense', EMBEDDING_MODEL_DIR: modelDir, EMBEDDING_ALLOW_REMOTE: 'false' }, tmp);
    // The parts as the product builds them (src/app.ts), without a language model (answers are extractive).
    const app = createApp(config, { logger: silentLogger, chatModel: null });
    // EMBEDDINGS=dense: loading throws when the model cannot be loaded, it never returns none.
    const embedder = (await app.embedder()).embedder as Embedder;
    try {
      // 1. Full build.
      step(`full build with ${config.embeddings.workers >= 2 ? `${config.embeddings.workers} embedding workers` : 'the in-process embedder'}`);
      let lastProgress: BuildProgress | null = null;
      let reported = 0;
      const onProgress = (p: BuildProgress) => {
        lastProgress = p;
        if (p.total > 0 && p.done / p.total >= reported + 0.1) {
          reported = Math.floor((p.done / p.total) * 10) / 10;
          step(`embedded ${p.done}/${p.total} passages, ${p.rate.toFixed(1)}/s`);
        }
      };
      const full = await timed(() => app.buildIndex({ onProgress }));
      const passages = full.value.manifest.counts.passages;
      const buildRate = n / (full.ms / 1000);
      step(`built in ${(full.ms / 1000).toFixed(1)} s: ${buildRate.toFixed(1)} abstracts/s`);

      // 2. Embedding: the project's vs the in-process embedder vs the naive pipeline, interleaved.
      let embedding: SizeResult['build']['embedding'] = null;
      if (n <= 10_000) {
        const sample = n <= args.naiveSample ? corpus.records : shuffled(corpus.records, 3).slice(0, args.naiveSample);
        step(`embedding ${sample.length} abstracts three ways, interleaved in chunks of ${COMPARE_CHUNK}`);
        const rates = await compareEmbedding(config, modelDir, embedder, sample.map((r) => r.abstract));
        embedding = {
          abstracts: sample.length,
          chunk: COMPARE_CHUNK,
          note: sample.length === n ? 'all the abstracts' : `a seeded random ${sample.length} of the ${n} abstracts`,
          ...rates,
          ratio: round(rates.project / rates.naive, 2),
        };
        step(`embedding: project ${rates.project} /s, in-process ${rates.inProcess} /s, naive ${rates.naive} /s`);
      }

      // 3. Incremental rebuilds.
      step('incremental rebuild, nothing changed');
      const unchanged = await timed(() => app.buildIndex());
      if (!unchanged.value.upToDate) throw new Error('the unchanged rebuild was not up to date');
      step('incremental rebuild, one abstract added');
      appendFileSync(corpusFile, `${JSON.stringify({ abstract: `${corpus.records[0]?.abstract ?? ''} (A revised version, added for the incremental benchmark.)` })}\n`);
      const oneAdded = await timed(() => app.buildIndex());
      step(`incremental rebuild, ${BATCH_ADDED} new abstracts`);
      const batch = syntheticAbstracts(BATCH_ADDED, { seed: 2026, sentences: corpus.records.slice(0, 2_000).flatMap((r) => splitSentences(r.abstract)) });
      appendFileSync(corpusFile, batch.map((abstract, i) => `${JSON.stringify({ abstract: `${abstract} (New in the incremental benchmark, ${i + 1}.)` })}\n`).join(''));
      const batchAdded = await timed(() => app.buildIndex());

      // 4. Queries.
      const queries = benchQueries(corpus, args.queries);
      const query = await measureQueries(config, app, embedder, queries, step);
      step('HNSW on text-like vectors of the same abstracts');
      const textLike = textLikeModel
        ? { note: TEXT_LIKE_NOTE, meanCosine: query.meanCosine, hnswSearch: query.hnswSearch, bruteForceSearch: query.bruteForceSearch, searchRatio: query.searchRatio, recallAt10: query.recallAt10, efSweep: query.efSweep }
        : await measureTextLike(corpus, queries, config, tmp);

      // 5. Time to an extractive answer.
      step('time to first answer (extractive)');
      const assistant = await app.assistant();
      const firstAnswer = latency(await timeEach(queries, (q) => assistant.ask(q)));

      // 6. Memory, in a process of its own.
      step('memory of a process holding the model and the index');
      const probe = await memoryProbe({ dataDir: config.dataDir, modelDir, questions: queries.slice(0, 5) });
      const buildDir = batchAdded.value.buildDir;
      const vectorsBytes = statSync(path.join(buildDir, SQLITE_HNSW_FILES.vectors)).size;
      const storeBytes = statSync(path.join(buildDir, SQLITE_HNSW_FILES.store)).size;

      const embeddingRate = (lastProgress as BuildProgress | null)?.rate ?? null;
      return {
        size,
        abstracts: n,
        date: new Date().toISOString().slice(0, 10),
        machine: machine(),
        load: { before: loadBefore, after: load() },
        runtimeSeconds: Math.round((performance.now() - started) / 1000),
        corpus: { kind: corpus.kind, description: corpus.description, passages },
        model: { kind: textLikeModel ? 'text-like' : !benchModel ? 'test' : args.model === DEFAULT_MODEL ? 'bench' : 'custom', id: embedder.info.modelId, dims: embedder.info.dims, pooling: embedder.info.pooling, dtype: embedder.info.dtype, note: modelNote },
        settings: { workers: config.embeddings.workers, threadsPerWorker: 1, hnsw: config.hnsw, topK: config.retrieval.topK },
        build: {
          seconds: round(full.ms / 1000, 1),
          abstractsPerSecond: round(buildRate, 2),
          embeddingPassagesPerSecond: embeddingRate === null ? null : round(embeddingRate, 2),
          embedding,
          ratio: embedding === null ? null : round(buildRate / embedding.naive, 2),
        },
        incremental: {
          unchangedSeconds: round(unchanged.ms / 1000, 3),
          ratio: round(full.ms / unchanged.ms, 1),
          oneAddedSeconds: round(oneAdded.ms / 1000, 2),
          oneAddedEmbedded: oneAdded.value.stats.embeddedPapers,
          batchAdded: { papers: BATCH_ADDED, seconds: round(batchAdded.ms / 1000, 2), embedded: batchAdded.value.stats.embeddedPapers, ratio: round(full.ms / batchAdded.ms, 1) },
        },
        query: { ...query, textLike },
        firstAnswer,
        memory: { ...probe, indexBytes: vectorsBytes + storeBytes, bytesPerPassage: Math.round((vectorsBytes + storeBytes) / (passages + 1)), vectorsBytes, storeBytes },
      };
    } finally {
      await app.close();
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const ARRIVAL_BASE = 10_000;
const ARRIVAL_ADDED = 2_000;

/**
 * A day of arXiv arriving: a running app (the bot's assistant) on a 10k index; 2,000 new papers appended to the
 * corpus, the incremental build, and the first retrieval on the new build, timed together; then a full build of
 * all 12,000 in a folder of its own, as the baseline of the same run.
 */
async function benchArrival(args: BenchArgs, log: (line: string) => void): Promise<ArrivalResult> {
  const loadBefore = load();
  return withTempDir('paperbot-bench-arrival-', async (tmp) => {
    const corpus = await benchCorpus(ARRIVAL_BASE + ARRIVAL_ADDED, { dataset: args.dataset });
    const textLikeModel = args.model === TEXT_LIKE;
    const modelDir = textLikeModel ? await makeTextLikeModel(corpus, tmp) : existsSync(path.join(args.model, 'config.json')) ? args.model : await makeModel(path.join(tmp, 'test-model'));
    const appFor = (name: string, records: readonly { abstract: string }[]): App => {
      const corpusDir = path.join(tmp, name, 'corpus');
      mkdirSync(corpusDir, { recursive: true });
      writeFileSync(path.join(corpusDir, 'bench.jsonl'), `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
      const config = parseConfig({ DATA_DIR: path.join(tmp, name, 'data'), CORPUS_DIR: corpusDir, EMBEDDINGS: 'dense', EMBEDDING_MODEL_DIR: modelDir, EMBEDDING_ALLOW_REMOTE: 'false' }, tmp);
      return createApp(config, { logger: silentLogger, chatModel: null });
    };
    const base = corpus.records.slice(0, ARRIVAL_BASE);
    const added = corpus.records.slice(ARRIVAL_BASE);
    const running = appFor('running', base);
    try {
      log(`[arrival] building the ${base.length}-paper index the bot runs on`);
      await running.buildIndex();
      const assistant = await running.assistant();
      await assistant.retrieve(benchQueries(corpus, 1)[0] ?? 'a question');
      log(`[arrival] ${added.length} papers arrive`);
      const searchable = await timed(async () => {
        appendFileSync(path.join(running.config.corpusDir, 'bench.jsonl'), `${added.map((r) => JSON.stringify(r)).join('\n')}\n`);
        const report = await running.buildIndex();
        await assistant.retrieve(added[0]?.abstract.split(/[.!?]/)[0] ?? 'a question');
        return report;
      });
      if (searchable.value.manifest.counts.papers < base.length + added.length * 0.9) throw new Error(`the arrival build holds ${searchable.value.manifest.counts.papers} papers`);
      log(`[arrival] full build of all ${corpus.records.length} from scratch`);
      const fresh = appFor('full', corpus.records);
      let full;
      try {
        full = await timed(() => fresh.buildIndex());
      } finally {
        await fresh.close();
      }
      return {
        date: new Date().toISOString().slice(0, 10),
        model: textLikeModel ? TEXT_LIKE_NOTE : modelDir,
        basePapers: base.length,
        added: added.length,
        searchableSeconds: round(searchable.ms / 1000, 2),
        fullBuildSeconds: round(full.ms / 1000, 2),
        ratio: round(searchable.ms / full.ms, 3),
        loadBefore,
        loadAfter: load(),
      };
    } finally {
      await running.close();
    }
  });
}

/** Runs `work` with a temp folder of its own, removed after it whatever happens. */
async function withTempDir<T>(prefix: string, work: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  try {
    return await work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const COMPARE_CHUNK = 100;
/** New abstracts in the batch rebuild: a few hundred a day is what a daily arXiv fetch adds. */
const BATCH_ADDED = 200;

/**
 * Abstracts per second of three embedders over the same texts. Chunk by chunk, each embedder takes its
 * turn (the order alternates), so a burst of other work on the machine slows all three alike.
 */
async function compareEmbedding(config: Config, modelDir: string, project: Embedder, texts: readonly string[]): Promise<{ project: number; inProcess: number; naive: number }> {
  // The naive baseline: one pipeline with default threads, one abstract at a time.
  env.allowLocalModels = true;
  env.allowRemoteModels = false;
  const extractor = await pipeline('feature-extraction', modelDir, { dtype: project.info.dtype as DataType, device: 'cpu' });
  const pooling = project.info.pooling;
  const e = config.embeddings;
  const inProcess = await createTransformersEmbedder({ model: e.model, modelDir, dtype: e.dtype, cacheDir: e.cacheDir, allowRemote: false, loadTimeoutMs: e.loadTimeoutMs, threads: e.threads });
  try {
    const contenders: Record<'project' | 'inProcess' | 'naive', (chunk: string[]) => Promise<unknown>> = {
      project: (chunk) => project.embedPassages(chunk),
      inProcess: (chunk) => inProcess.embedPassages(chunk),
      naive: async (chunk) => {
        for (const text of chunk) {
          const output = await extractor(text, { pooling, normalize: true });
          output.tolist();
          output.dispose();
        }
      },
    };
    const names = Object.keys(contenders) as (keyof typeof contenders)[];
    for (const name of names) await contenders[name](texts.slice(0, 8));
    const ms = { project: 0, inProcess: 0, naive: 0 };
    for (let start = 0, turn = 0; start < texts.length; start += COMPARE_CHUNK, turn++) {
      const chunk = texts.slice(start, start + COMPARE_CHUNK);
      for (const name of turn % 2 === 0 ? names : [...names].reverse()) {
        const t0 = performance.now();
        await contenders[name](chunk);
        ms[name] += performance.now() - t0;
      }
    }
    const rate = (t: number) => round(texts.length / (t / 1000), 2);
    return { project: rate(ms.project), inProcess: rate(ms.inProcess), naive: rate(ms.naive) };
  } finally {
    await extractor.dispose();
    await inProcess.dispose();
  }
}

async function measureQueries(config: Config, app: App, embedder: Embedder, queries: readonly string[], step: (text: string) => void): Promise<Omit<SizeResult['query'], 'textLike'>> {
  const index = await app.index();
  const open = await index.current();
  // The ef sweep needs hnswlib's own handle, not the core port the open index gives: load the same file.
  const vectors = HnswVectorIndex.load(open.dir, { dims: open.vectors?.dims ?? 0, efSearch: config.hnsw.efSearch, live: open.manifest.counts.vectors });
  if (open.vectors === null || vectors === null) throw new Error('the benchmark index has no vectors');
  const assistant = await app.assistant();
  const r = config.retrieval;
  const options = { topK: r.topK, maxPassagesPerPaper: r.maxPassagesPerPaper, gateMinCoverage: r.gateMinCoverage, gateMinSimilarity: r.gateMinSimilarity };

  step('exact index of the same vectors');
  const labels: number[] = [];
  for (const p of await open.store.allPapers()) labels.push(...(await open.store.passageIdsOf(p.id)));
  const brute = new BruteForceIndex(
    vectors.dims,
    labels.flatMap((label) => {
      const vector = vectors.getVector(label);
      return vector === undefined ? [] : [{ label, vector }];
    }),
  );

  step(`retrieval latency over ${queries.length} questions (HNSW, then brute force)`);
  const retrieval = latency(await timeEach(queries, (q) => assistant.retrieve(q)));
  const retrievalBruteForce = latency(await timeEach(queries, (q) => retrieve(q, { store: open.store, vectors: brute, embedder }, options)));
  const lexicalOnly = latency(await timeEach(queries, (q) => assistant.retrieve(q, { mode: 'lexical' })));
  const queryEmbedding = latency(await timeEach(queries, (q) => embedder.embedQuery(q)));
  step('similar papers by their words, through the term budget and with all distinctive words');
  const similarByWords = await measureSimilarByWords(open.store);

  const queryVectors: number[][] = [];
  for (const q of queries) queryVectors.push(await embedder.embedQuery(q));
  step('HNSW recall@10 against the exact result for several ef');
  const search = await compareSearch(vectors, brute, queryVectors, config.hnsw.efSearch);
  const sample = labels.slice(0, 200).flatMap((label) => {
    const vector = brute.getVector(label);
    return vector === undefined ? [] : [vector];
  });
  return {
    meanCosine: meanPairwiseCosine(sample),
    queries: queries.length,
    retrieval,
    retrievalBruteForce,
    retrievalRatio: round(retrievalBruteForce.p50 / retrieval.p50, 2),
    lexicalOnly,
    similarByWords,
    queryEmbedding,
    ...search,
  };
}

const SIMILAR_PAPERS = 100;

/**
 * `/similar`'s lexical path (an index without vectors) for a seeded sample of papers: `similarPapers` as the
 * product runs it, and the query it sent before it went through the term budget (the 16 words of highest
 * IDF, whatever their postings), timed in turns on the same papers, document frequencies already cached.
 */
async function measureSimilarByWords(store: PaperStore): Promise<NonNullable<SizeResult['query']['similarByWords']>> {
  const ids = shuffled((await store.allPapers()).map((p) => p.id), 7).slice(0, SIMILAR_PAPERS);
  // The lexical path of similar-papers.ts before this change, whole: IDF of every word, the top 16, one search.
  let termsAll = 0;
  const before = async (id: string) => {
    const paper = await store.getPaper(id);
    const idf = await inverseDocumentFrequencies(contentTerms(paper?.abstract ?? ''), store);
    const terms = [...idf.entries()].sort((x, y) => y[1] - x[1]).slice(0, 16).map(([t]) => t);
    termsAll += terms.length;
    const hits = (await store.lexicalSearch(terms, 24)).map((h) => h.paperId).filter((p) => p !== id);
    return store.getPapers([...new Set(hits)]);
  };
  let termsBudgeted = 0;
  const counting: PaperStore = new Proxy(store, {
    get: (target, key: keyof PaperStore) =>
      key === 'lexicalSearch'
        ? (terms: readonly string[], limit: number) => ((termsBudgeted += terms.length), target.lexicalSearch(terms, limit))
        : (target[key] as (...args: unknown[]) => unknown).bind(target),
  });
  const after = (id: string) => similarPapers(id, 5, { store: counting, vectors: null });
  const times = { after: [] as number[], before: [] as number[] };
  for (const [i, id] of [...ids.slice(0, 10), ...ids].entries()) {
    // Ten warm-up papers, then both in turns, the order alternating. The store caches document frequencies, and
    // both ask for those of every word of the abstract: asked first, so that neither pays them for the other.
    await store.documentFrequencies(contentTerms((await store.getPaper(id))?.abstract ?? ''));
    for (const [name, run] of i % 2 === 0 ? ([['after', after], ['before', before]] as const) : ([['before', before], ['after', after]] as const)) {
      const t0 = performance.now();
      await run(id);
      if (i >= 10) times[name].push(performance.now() - t0);
    }
    if (i === 9) [termsAll, termsBudgeted] = [0, 0];
  }
  const budgeted = times.after;
  const b = latency(budgeted);
  const a = latency(times.before);
  return { papers: ids.length, budgeted: b, allWords: a, ratio: round(a.p50 / b.p50, 2), termsBudgeted: round(termsBudgeted / ids.length, 1), termsAll: round(termsAll / ids.length, 1) };
}

/** HNSW against exact search over the same vectors: latency (k=20) and recall@10, for several ef. */
async function compareSearch(vectors: Pick<HnswVectorIndex, 'search' | 'setEf'>, brute: BruteForceIndex, queryVectors: readonly number[][], efSearch: number) {
  const exact = queryVectors.map((v) => new Set(brute.search(v, 10).map((h) => h.label)));
  const recall = () => queryVectors.reduce((sum, v, i) => sum + vectors.search(v, 10).filter((h) => exact[i]?.has(h.label)).length / Math.max(1, exact[i]?.size ?? 1), 0) / queryVectors.length;
  const bruteForceSearch = latency(await timeEach(queryVectors, (v) => brute.search(v, 20)));
  const efSweep: EfPoint[] = [];
  for (const ef of EF_SWEEP) {
    vectors.setEf(ef);
    efSweep.push({ ef, recallAt10: round(recall(), 4), p50: latency(await timeEach(queryVectors, (v) => vectors.search(v, 20))).p50 });
  }
  vectors.setEf(efSearch);
  const hnswSearch = latency(await timeEach(queryVectors, (v) => vectors.search(v, 20)));
  return { hnswSearch, bruteForceSearch, searchRatio: round(bruteForceSearch.p50 / hnswSearch.p50, 1), recallAt10: round(recall(), 4), efSweep };
}

/**
 * The random-weight model maps every abstract to nearly the same direction (mean pairwise cosine about 0.99),
 * where the 10th and 11th neighbours differ by about 1e-5 and recall@10 measures float noise, not HNSW. A
 * 384-dimension bag-of-words model with the corpus's vocabulary gives text-like geometry (mean cosine about
 * 0.6, like real sentence embeddings), so the index is also measured on those vectors.
 */
async function measureTextLike(corpus: BenchCorpus, queries: readonly string[], config: Config, tmp: string): Promise<SizeResult['query']['textLike']> {
  const dir = await makeTextLikeModel(corpus, tmp);
  const base = await createTransformersEmbedder({ model: 'text-like', modelDir: dir, dtype: 'q8', cacheDir: path.join(tmp, 'cache'), allowRemote: false, loadTimeoutMs: 120_000 });
  const embedder = config.embeddings.workers >= 2 ? createWorkerPoolEmbedder({ base, model: { source: dir, cacheDir: path.join(tmp, 'cache'), dtype: 'q8' }, workers: config.embeddings.workers }) : base;
  try {
    const hnsw = HnswVectorIndex.create({ dims: base.info.dims, capacity: corpus.records.length, params: config.hnsw });
    const entries: { label: number; vector: number[] }[] = [];
    for (let i = 0; i < corpus.records.length; i += 512) {
      const vectors = await embedder.embedPassages(corpus.records.slice(i, i + 512).map((r) => r.abstract));
      vectors.forEach((vector, j) => entries.push({ label: i + j, vector }));
    }
    for (const e of entries) hnsw.add(e.label, e.vector);
    const brute = new BruteForceIndex(base.info.dims, entries);
    const queryVectors: number[][] = [];
    for (const q of queries) queryVectors.push(await embedder.embedQuery(q));
    return {
      note: TEXT_LIKE_NOTE,
      meanCosine: meanPairwiseCosine(entries.slice(0, 200).map((e) => e.vector)),
      ...(await compareSearch(hnsw, brute, queryVectors, config.hnsw.efSearch)),
    };
  } finally {
    await embedder.dispose();
  }
}

/** The model folder `--model` asks for (made in `tmp` when it is the text-like or the fallback test model), and what the report says of it. */
async function benchModelOf(args: Pick<BenchArgs, 'model'>, corpus: BenchCorpus, tmp: string): Promise<{ dir: string; note: string }> {
  if (args.model === TEXT_LIKE) {
    return { dir: await makeTextLikeModel(corpus, tmp), note: `${TEXT_LIKE_NOTE}, chosen with --model ${TEXT_LIKE} for speed: its embedding times are far below a real model's, everything else is real` };
  }
  if (existsSync(path.join(args.model, 'config.json'))) {
    return { dir: args.model, note: args.model === DEFAULT_MODEL ? `${args.model}: all-MiniLM-L6-v2's architecture and size with random weights (speed only, says nothing about quality)` : `${args.model} (given with --model)` };
  }
  return { dir: await makeModel(path.join(tmp, 'test-model')), note: `the project's generated test model (${args.model} not found): a tiny bag-of-words model, so embedding times are far below a real model's` };
}

async function makeTextLikeModel(corpus: BenchCorpus, tmp: string): Promise<string> {
  const dir = path.join(tmp, 'text-like-model');
  // The vocabulary of 2,000 abstracts keeps the model small (tens of MB); other words tokenize into pieces.
  await makeTestModel(dir, { dims: 384, vocabularyText: corpus.records.slice(0, 2_000).map((r) => r.abstract).join('\n') });
  return dir;
}

function meanPairwiseCosine(vectors: readonly (readonly number[])[]): number {
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < vectors.length; i++) {
    for (let j = i + 1; j < vectors.length; j++) {
      sum += dot(vectors[i] ?? [], vectors[j] ?? []);
      pairs += 1;
    }
  }
  return round(sum / Math.max(1, pairs), 3);
}

function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] ?? 0) * (b[i] ?? 0);
  return s;
}

function memoryProbe(input: { dataDir: string; modelDir: string; questions: string[] }): Promise<Omit<SizeResult['memory'], 'indexBytes' | 'bytesPerPassage' | 'vectorsBytes' | 'storeBytes'>> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [TSX_CLI, path.join(BENCH_DIR, 'memory-probe.ts'), JSON.stringify(input)], { cwd: PROJECT_ROOT, timeout: 600_000, maxBuffer: 16 * 2 ** 20 }, (error, stdout, stderr) => {
      if (error !== null) reject(new Error(`memory probe failed: ${stderr || error.message}`));
      else resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Awaited<ReturnType<typeof memoryProbe>>);
    });
  });
}
