/**
 * `npm run index`: corpus → passages → embeddings → vectors + text store + manifest, incrementally and atomically.
 *
 * Incremental: only corpus lines that changed since the current build are parsed (corpus-lines.ts); the new
 * build starts from the current one's store (when it was built with the same model and vector parameters); only
 * papers whose text changed are embedded, removed papers leave both indexes, and metadata-only changes touch
 * the text store alone. Atomic: everything is written into a started build (`catalog.begin`), which the
 * backend's catalog publishes only when complete (SQLite/hnswlib: a `builds/<id>.partial/` folder renamed, then
 * CURRENT swapped; PostgreSQL: one transaction). Where builds, papers and vectors are kept is the backend's
 * business (index-backend.ts); the build sees only its ports.
 */
import { randomBytes } from 'node:crypto';
import { UserError } from '../core/errors.ts';
import { chunkText } from '../core/corpus/chunk-passages.ts';
import { listCorpusFiles, loadCorpus } from '../core/corpus/load-corpus.ts';
import type { CorpusProblem, KnownPaper, Paper } from '../core/corpus/paper.ts';
import type { Embedder } from '../core/retrieval/embedder.ts';
import type { WritablePaperStore } from '../core/retrieval/paper-store.ts';
import type { WritableVectorIndex } from '../core/retrieval/vector-index.ts';
import type { Logger } from '../core/logger.ts';
import { silentLogger } from '../core/logger.ts';
import { sha256 } from '../core/text.ts';
import { CorpusLines } from './corpus-lines.ts';
import { buildOrigin, refuseRemovalsFromElsewhere } from './corpus-origin.ts';
import { embedPassages, type BuildProgress } from './embed-passages.ts';
import type { FileDamage, IndexBackend } from './index-backend.ts';
import { inspectBuild } from './inspect-build.ts';
import { addedAtOf, previousVectors, startStore } from './reuse-build.ts';
import { errorCode, writeFailure } from './write-failure.ts';
import { LEXICAL_VERSION, MANIFEST_VERSION, needsRetokenizing, retokenizes, sameEmbeddings, type BuildStats, type Manifest } from './manifest.ts';

export type { BuildProgress } from './embed-passages.ts';

export interface BuildIndexOptions {
  corpusDir: string;
  /** null: lexical-only build. */
  embedder: Embedder | null;
  /** Where builds, papers and vectors are kept (the composition root passes createIndexBackend's, sqlite-hnsw-backend.ts). */
  backend: IndexBackend;
  strict?: boolean;
  /** Reuse nothing of the current build (`npm run index -- --rebuild`): every line parsed, every passage embedded. */
  rebuild?: boolean;
  logger?: Logger;
  onProgress?: (progress: BuildProgress) => void;
  /** Passages handed to the embedder per call. */
  batchSize?: number;
  /** Rebuild the HNSW graph once deleted slots exceed this share (they cost memory and search time). */
  compactAbove?: number;
  now?: () => Date;
  /** Remove the papers the corpus folder lacks even when the current build was made elsewhere (see corpus-origin.ts). */
  removeMissing?: boolean;
  /** The machine's name the manifest records (default: os.hostname(); tests play two machines). */
  host?: string;
}

export interface BuildReport {
  /** Nothing changed: no new build was written. */
  upToDate: boolean;
  /** The current build's handle in the catalog (SQLite/hnswlib: its folder). */
  buildDir: string;
  /** Where the builds are kept, for sentences (the catalog's location: "data/index"). */
  location: string;
  manifest: Manifest;
  problems: CorpusProblem[];
  stats: BuildStats;
  /** Corpus lines taken from the previous build instead of being parsed (unchanged, at the same place). */
  reusedLines: number;
  /** The damage found in the current build, which this build replaced (what could not be trusted was not reused). */
  repaired: FileDamage | null;
}

/** Builds, or says in one sentence why the machine refused the writes (a full disk, a read-only DATA_DIR). */
export async function buildIndex(options: BuildIndexOptions): Promise<BuildReport> {
  try {
    return await writeBuild(options);
  } catch (error) {
    // Damage in the middle of the current store passes the cheap check and shows only when a page is read.
    const damage = !options.rebuild && /^(SQLITE_(CORRUPT|NOTADB)|E_INDEX_CORRUPT)$/.test(errorCode(error) ?? '') ? await thoroughDamage(options) : null;
    if (damage !== null) {
      (options.logger ?? silentLogger).warn({ ...damage }, 'the current index build is damaged inside; rebuilding it from scratch');
      return { ...(await buildIndex({ ...options, rebuild: true })), repaired: damage };
    }
    throw writeFailure(error, options.backend.catalog.location, 'the previous index, if any, still answers') ?? error;
  }
}

async function thoroughDamage({ backend }: BuildIndexOptions): Promise<FileDamage | null> {
  const current = await backend.catalog.current();
  return current === null ? null : (await inspectBuild(current, backend, { thorough: true })).damage;
}

async function writeBuild(options: BuildIndexOptions): Promise<BuildReport> {
  const { corpusDir, embedder, backend, strict = false, rebuild = false, logger = silentLogger, onProgress, batchSize = 32, compactAbove = 0.2, now = () => new Date(), host, removeMissing = false } = options;
  const { catalog } = backend;
  const started = Date.now();
  await listCorpusFiles(corpusDir); // a missing or empty corpus folder is reported before anything is written
  const release = await catalog.lock();
  try {
    const previousDir = await catalog.current();
    // A damaged current build is never "up to date": what is damaged (and what depends on it) is rebuilt.
    const inspected = previousDir === null ? null : await inspectBuild(previousDir, backend);
    const repaired = inspected?.damage ?? null;
    if (repaired !== null) logger.warn({ ...repaired }, 'the current index build is damaged; rebuilding what depends on it');
    const previous = rebuild ? null : (inspected?.manifest ?? null);
    // The store carries each paper's added_at and labels the vectors: reused only when it is sound.
    const storeSound = inspected !== null && (inspected.damage === null || inspected.storeUsable);
    const storeDir = previous !== null && storeSound ? previousDir : null;
    // Lines unchanged since the current build are its papers: only the others are parsed (all, to retokenize).
    const lines = storeDir === null || needsRetokenizing(previous) ? CorpusLines.none() : await CorpusLines.of(storeDir, catalog, async () => backend.papers.open(storeDir), logger);
    const embeddings: Manifest['embeddings'] =
      embedder === null ? null : { modelId: embedder.info.modelId, dims: embedder.info.dims, pooling: embedder.info.pooling, dtype: embedder.info.dtype, queryPrefix: embedder.info.queryPrefix };
    const vectorParams: Manifest['hnsw'] = embedder === null ? null : backend.vectors.params;

    // Vectors made with the same model and parameters can be carried into the new build.
    const sameVectors =
      previous !== null && sameEmbeddings(previous.embeddings, embeddings) &&
      (vectorParams === null || (previous.hnsw?.m === vectorParams.m && previous.hnsw.efConstruction === vectorParams.efConstruction));
    // Up to date only when the build is whole: a lost vector file is rebuilt, not reported as current.
    const whole = previousDir !== null && previous !== null && repaired === null && !needsRetokenizing(previous) && sameVectors && (previous.embeddings === null || (await backend.vectors.exists(previousDir)));
    const upToDate = async (problems: CorpusProblem[], reusedLines: number): Promise<BuildReport> => {
      const stats: BuildStats = { added: 0, updated: 0, removed: 0, embedded: 0, embeddedPapers: 0, durationMs: Date.now() - started, compacted: false };
      await catalog.removeStale();
      return { upToDate: true, buildDir: previousDir as string, location: catalog.location, manifest: previous as Manifest, problems, stats, reusedLines, repaired: null };
    };

    // Not one corpus file changed: nothing to read.
    const unchanged = await lines.unchangedProblems(corpusDir);
    if (whole && unchanged !== null && !(strict && unchanged.length > 0)) return await upToDate(unchanged, 0);

    await lines.readKnown();
    let corpus = await loadCorpus(corpusDir, { strict, known: lines.lookup });
    const corpusHash = sha256(corpus.papers.map((p) => p.contentHash).join('\n'));
    if (whole && previous?.corpusHash === corpusHash) return await upToDate(corpus.problems, lines.reused);
    const origin = buildOrigin(corpusDir, host);
    // Another machine's build: its papers that this corpus folder lacks are not removed unless asked (--remove-missing, --rebuild).
    if (previousDir !== null && storeSound && !removeMissing) {
      await refuseRemovalsFromElsewhere({ catalog, previous, origin, corpusIds: new Set(corpus.papers.map((p) => p.id)), openStore: async () => backend.papers.open(previousDir) });
    }

    await catalog.removeStale(); // leftovers of killed builds
    const buildId = `${now().toISOString().replace(/[-:.]/g, '').replace('T', '-').slice(0, 15)}-${randomBytes(3).toString('hex')}`;
    const partial = await catalog.begin(buildId);

    // Open until the build closes it; a failure closes it and discards the started build (PostgreSQL: its transaction).
    let open: WritablePaperStore | undefined;
    try {
      const { store, copied } = await startStore(backend, storeDir, partial, logger);
      open = store;
      // The papers taken from the previous store are not in a new one: parse them after all.
      if (!copied && lines.reused > 0) corpus = await loadCorpus(corpusDir, { strict });
      // Passage ids label the vectors, so vectors are carried only together with the store they label.
      let vectors: WritableVectorIndex | null =
        embedder !== null && copied && storeDir !== null && previous !== null && sameVectors && repaired === null ? await previousVectors(backend, storeDir, partial, previous, store, logger) : null;
      if (vectors === null) await store.markAllUnembedded();

      // 1. Diff the corpus against the store.
      // A forced rebuild of a sound build keeps when each paper entered the index (the digests' "new").
      const addedBefore = rebuild && previousDir !== null && storeSound ? await addedAtOf(backend, previousDir, logger) : new Map<string, string>();
      const diff = await applyCorpus(store, corpus.papers, now().toISOString(), addedBefore, needsRetokenizing(previous));
      if (vectors !== null && diff.deletedLabels.length > 0) await vectors.removeMany(diff.deletedLabels);

      // 2. Embed what has no vector yet.
      let embedded = 0;
      let embeddedPapers = 0;
      if (embedder !== null) {
        const todo = await store.passagesToEmbed();
        embeddedPapers = new Set(todo.map((p) => p.paperId)).size;
        // Sized for every vector it will hold, so inserting never grows the graph piecemeal.
        if (vectors === null) vectors = await backend.vectors.create(partial, { dims: embedder.info.dims, capacity: todo.length });
        else await vectors.reserve(vectors.slots + todo.length);
        embedded = await embedPassages({ todo, embedder, vectors, store, batchSize, onProgress });
      }

      // 3. Drop deleted slots from the graph when they pile up (vectors are reused, not re-embedded).
      let compacted = false;
      if (vectors !== null && embedder !== null && vectors.slots > 0 && (vectors.slots - vectors.size) / vectors.slots > compactAbove) {
        vectors = await compact(vectors, await store.embeddedPassageIds(), backend, partial, embedder.info.dims);
        compacted = true;
      }

      // 4. Write everything, then publish.
      await vectors?.save(partial);
      // hnswlib ignores failed writes (a full disk leaves a short file and no error): check what it wrote.
      const written = vectors === null ? null : await backend.vectors.check(partial, { dims: vectors.dims, slots: vectors.slots });
      if (written !== null) {
        throw new UserError('E_DISK_FULL', `The new index vectors ${written.file} were written short (${written.problem}; hnswlib reports no write errors): is the disk holding ${catalog.location} full? The previous index, if any, still answers.`);
      }
      await lines.save(catalog, partial, corpus.papers, corpus.problems);
      const counts = await store.counts();
      open = undefined;
      await store.close();
      const stats: BuildStats = { ...diff.counts, embedded, embeddedPapers, durationMs: Date.now() - started, compacted };
      const manifest: Manifest = {
        version: MANIFEST_VERSION,
        buildId,
        builtAt: now().toISOString(),
        corpusHash,
        counts: { ...counts, vectors: vectors?.size ?? 0, vectorSlots: vectors?.slots ?? 0 },
        embeddings,
        hnsw: vectorParams,
        lexical: LEXICAL_VERSION,
        origin,
        lastBuild: stats,
      };
      const final = await catalog.publish(partial, `${JSON.stringify(manifest, null, 2)}\n`);
      await catalog.removeStale();
      logger.info({ buildId, ...stats }, 'index build published');
      return { upToDate: false, buildDir: final, location: catalog.location, manifest, problems: corpus.problems, stats, reusedLines: copied ? lines.reused : 0, repaired };
    } catch (error) {
      await open?.close();
      // What a failed build wrote is of no use, and on a full disk it is the space a retry needs.
      await catalog.discard(partial);
      throw error;
    }
  } finally {
    await release();
  }
}

interface CorpusDiff {
  counts: Pick<BuildStats, 'added' | 'updated' | 'removed'>;
  /** Passages that left the store: their vectors must leave the vector index. */
  deletedLabels: number[];
}

/** Adds new papers, updates changed ones (passages when the text changed or `retokenize` applies) and removes the rest. */
async function applyCorpus(store: WritablePaperStore, papers: readonly (Paper | KnownPaper)[], addedAt: string, addedBefore: ReadonlyMap<string, string>, retokenize: boolean): Promise<CorpusDiff> {
  const known = await store.paperHashes();
  const counts = { added: 0, updated: 0, removed: 0 };
  const deletedLabels: number[] = [];
  await store.transaction(async () => {
    const present = new Set<string>();
    for (const [position, paper] of papers.entries()) {
      present.add(paper.id);
      if ('known' in paper) continue; // the same line as in the store it came from: nothing changed
      const old = known.get(paper.id);
      if (old === undefined) {
        await store.upsertPaper(paper, { addedAt: addedBefore.get(paper.id) ?? addedAt, position, passages: chunkText(paper.abstract) });
        counts.added += 1;
      } else if (old.textHash !== paper.textHash || (retokenize && retokenizes(paper))) {
        deletedLabels.push(...(await store.upsertPaper(paper, { addedAt, position, passages: chunkText(paper.abstract) })));
        counts.updated += 1;
      } else if (old.contentHash !== paper.contentHash) {
        await store.upsertPaper(paper, { addedAt, position });
        counts.updated += 1;
      }
    }
    for (const id of known.keys()) {
      if (present.has(id)) continue;
      deletedLabels.push(...(await store.removePaper(id)));
      counts.removed += 1;
    }
  });
  return { counts, deletedLabels };
}

const COMPACT_BATCH = 1_000;

/** A new graph of the live vectors only (they are copied, not embedded again). */
async function compact(vectors: WritableVectorIndex, labels: readonly number[], backend: IndexBackend, started: string, dims: number): Promise<WritableVectorIndex> {
  const fresh = await backend.vectors.create(started, { dims, capacity: labels.length });
  // In batches: 100k vectors held at once as arrays would be hundreds of MB.
  for (let i = 0; i < labels.length; i += COMPACT_BATCH) {
    const items: { label: number; vector: readonly number[] }[] = [];
    for (const label of labels.slice(i, i + COMPACT_BATCH)) {
      const vector = await vectors.getVector(label);
      if (vector !== undefined) items.push({ label, vector });
    }
    await fresh.addBatch(items);
  }
  return fresh;
}
