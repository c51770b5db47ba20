/**
 * `npm run index`: corpus → passages → embeddings → HNSW + SQLite/FTS5 + manifest, incrementally and atomically.
 *
 * Incremental: the new build starts as a copy of the current one (when it was built with the same model and
 * HNSW parameters); only papers whose text changed are embedded, removed papers leave both indexes, and
 * metadata-only changes touch SQLite alone. Atomic: all writing happens in `builds/<id>.partial/`, which is
 * renamed and then published through CURRENT only when complete (see index-layout.ts).
 */
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { chunkText } from '../core/corpus/chunk-passages.ts';
import { loadCorpus } from '../core/corpus/load-corpus.ts';
import type { CorpusProblem } from '../core/corpus/paper.ts';
import type { Embedder } from '../core/retrieval/embedder.ts';
import type { Logger } from '../core/logger.ts';
import { silentLogger } from '../core/logger.ts';
import { sha256 } from '../core/text.ts';
import { IndexDatabase } from '../adapters/store/index-database.ts';
import { HnswVectorIndex, type HnswParams } from '../adapters/vector-index/hnsw-vector-index.ts';
import { acquireBuildLock, currentBuildDir, FILES, indexLayout, publishBuild, readManifest, removeStaleBuilds, writeFileDurably } from './index-layout.ts';
import { MANIFEST_VERSION, sameEmbeddings, type BuildStats, type Manifest } from './manifest.ts';

export interface BuildProgress {
  done: number;
  total: number;
  /** Passages per second so far. */
  rate: number;
  etaSeconds: number;
}

export interface BuildIndexOptions {
  corpusDir: string;
  indexDir: string;
  /** null: lexical-only build. */
  embedder: Embedder | null;
  hnsw: HnswParams;
  strict?: boolean;
  logger?: Logger;
  onProgress?: (progress: BuildProgress) => void;
  /** Passages handed to the embedder per call. */
  batchSize?: number;
  /** Rebuild the HNSW graph once deleted slots exceed this share (they cost memory and search time). */
  compactAbove?: number;
  now?: () => Date;
}

export interface BuildReport {
  /** Nothing changed: no new build was written. */
  upToDate: boolean;
  buildDir: string;
  manifest: Manifest;
  problems: CorpusProblem[];
  stats: BuildStats;
}

export async function buildIndex(options: BuildIndexOptions): Promise<BuildReport> {
  const { corpusDir, indexDir, embedder, hnsw, strict = false, logger = silentLogger, onProgress, batchSize = 32, compactAbove = 0.2, now = () => new Date() } = options;
  const started = Date.now();
  const corpus = await loadCorpus(corpusDir, { strict });
  const layout = indexLayout(indexDir);
  const release = acquireBuildLock(layout);
  try {
    const previousDir = currentBuildDir(layout);
    const previous = previousDir === null ? null : readManifest(previousDir);
    const embeddings: Manifest['embeddings'] =
      embedder === null ? null : { modelId: embedder.info.modelId, dims: embedder.info.dims, pooling: embedder.info.pooling, dtype: embedder.info.dtype, queryPrefix: embedder.info.queryPrefix };
    const hnswManifest: Manifest['hnsw'] = embedder === null ? null : { space: 'cosine', m: hnsw.m, efConstruction: hnsw.efConstruction };
    const corpusHash = sha256(corpus.papers.map((p) => p.contentHash).join('\n'));

    const reusable =
      previous !== null && previousDir !== null && previous.version === MANIFEST_VERSION && sameEmbeddings(previous.embeddings, embeddings) &&
      (hnswManifest === null || (previous.hnsw?.m === hnswManifest.m && previous.hnsw.efConstruction === hnswManifest.efConstruction));

    if (reusable && previous.corpusHash === corpusHash) {
      const stats: BuildStats = { added: 0, updated: 0, removed: 0, embedded: 0, embeddedPapers: 0, durationMs: Date.now() - started, compacted: false };
      removeStaleBuilds(layout);
      return { upToDate: true, buildDir: previousDir, manifest: previous, problems: corpus.problems, stats };
    }

    removeStaleBuilds(layout); // leftovers of killed builds
    const buildId = `${now().toISOString().replace(/[-:.]/g, '').replace('T', '-').slice(0, 15)}-${randomBytes(3).toString('hex')}`;
    const partial = path.join(layout.builds, `${buildId}.partial`);
    mkdirSync(partial, { recursive: true });

    // Start from the previous text store whenever there is one: it carries each paper's `added_at`.
    let db: IndexDatabase;
    if (previousDir !== null) {
      copyFileSync(path.join(previousDir, FILES.store), path.join(partial, FILES.store));
      db = IndexDatabase.open(path.join(partial, FILES.store), { readonly: false });
      if (!reusable) db.markAllUnembedded();
    } else {
      db = IndexDatabase.create(path.join(partial, FILES.store));
    }

    try {
      let vectors: HnswVectorIndex | null = null;
      const previousVectors = previousDir === null ? '' : path.join(previousDir, FILES.vectors);
      if (embedder !== null) {
        vectors =
          reusable && existsSync(previousVectors)
            ? HnswVectorIndex.read(previousVectors, { dims: embedder.info.dims, efSearch: hnsw.efSearch, live: previous.counts.vectors })
            : HnswVectorIndex.create({ dims: embedder.info.dims, capacity: corpus.papers.length + 16, params: hnsw });
      }

      // 1. Diff the corpus against the store.
      const known = db.paperHashes();
      const addedAt = now().toISOString();
      let added = 0;
      let updated = 0;
      let removed = 0;
      const deletedLabels: number[] = [];
      db.transaction(() => {
        const present = new Set<string>();
        corpus.papers.forEach((paper, position) => {
          present.add(paper.id);
          const old = known.get(paper.id);
          if (old === undefined) {
            db.upsertPaper(paper, { addedAt, position, passages: chunkText(paper.abstract) });
            added += 1;
          } else if (old.textHash !== paper.textHash) {
            deletedLabels.push(...db.upsertPaper(paper, { addedAt, position, passages: chunkText(paper.abstract) }));
            updated += 1;
          } else if (old.contentHash !== paper.contentHash) {
            db.upsertPaper(paper, { addedAt, position });
            updated += 1;
          }
        });
        for (const id of known.keys()) {
          if (present.has(id)) continue;
          deletedLabels.push(...db.removePaper(id));
          removed += 1;
        }
      });
      if (vectors !== null) for (const label of deletedLabels) vectors.remove(label);

      // 2. Embed what has no vector yet.
      let embedded = 0;
      let embeddedPapers = 0;
      const target = vectors;
      if (embedder !== null && target !== null) {
        const todo = db.passagesToEmbed();
        // In slices: one query with every id fails past SQLite's 32,766 variables (a 100k corpus did).
        const paperIds = new Set<string>();
        for (let i = 0; i < todo.length; i += 10_000) for (const p of db.getPassages(todo.slice(i, i + 10_000).map((t) => t.id))) paperIds.add(p.paperId);
        embeddedPapers = paperIds.size;
        const t0 = Date.now();
        onProgress?.({ done: 0, total: todo.length, rate: 0, etaSeconds: 0 });
        // The next batch is embedding (in the worker pool or ONNX threads) while this one goes into HNSW and SQLite.
        const startBatch = (start: number) => {
          const batch = todo.slice(start, start + batchSize);
          const pending = embedder.embedPassages(batch.map((p) => p.text));
          pending.catch(() => undefined); // awaited in turn; must not be an unhandled rejection if the build fails first
          return { batch, pending };
        };
        let next = todo.length > 0 ? startBatch(0) : null;
        for (let i = 0; next !== null; i += batchSize) {
          const { batch, pending } = next;
          const batchVectors = await pending;
          next = i + batchSize < todo.length ? startBatch(i + batchSize) : null;
          batch.forEach((p, j) => target.add(p.id, batchVectors[j] as number[]));
          db.transaction(() => db.markEmbedded(batch.map((p) => p.id)));
          embedded += batch.length;
          const rate = embedded / Math.max(0.001, (Date.now() - t0) / 1000);
          onProgress?.({ done: embedded, total: todo.length, rate, etaSeconds: (todo.length - embedded) / Math.max(rate, 1e-9) });
        }
      }

      // 3. Drop deleted slots from the graph when they pile up (vectors are reused, not re-embedded).
      let compacted = false;
      if (vectors !== null && vectors.slots > 0 && (vectors.slots - vectors.size) / vectors.slots > compactAbove && embedder !== null) {
        const labels = db.allEmbeddedPassageIds();
        const fresh = HnswVectorIndex.create({ dims: embedder.info.dims, capacity: labels.length + 16, params: hnsw });
        for (const label of labels) {
          const v = vectors.getVector(label);
          if (v !== undefined) fresh.add(label, v);
        }
        vectors = fresh;
        compacted = true;
      }

      // 4. Write everything, then publish.
      vectors?.write(path.join(partial, FILES.vectors));
      if (vectors === null) rmSync(path.join(partial, FILES.vectors), { force: true });
      const counts = db.counts();
      db.close();
      const stats: BuildStats = { added, updated, removed, embedded, embeddedPapers, durationMs: Date.now() - started, compacted };
      const manifest: Manifest = {
        version: MANIFEST_VERSION,
        buildId,
        builtAt: now().toISOString(),
        corpusHash,
        counts: { ...counts, vectors: vectors?.size ?? 0, vectorSlots: vectors?.slots ?? 0 },
        embeddings,
        hnsw: hnswManifest,
        lastBuild: stats,
      };
      writeFileDurably(path.join(partial, FILES.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
      const final = path.join(layout.builds, buildId);
      renameSync(partial, final);
      publishBuild(layout, buildId);
      removeStaleBuilds(layout);
      logger.info({ buildId, ...stats }, 'index build published');
      return { upToDate: false, buildDir: final, manifest, problems: corpus.problems, stats };
    } catch (error) {
      if (db.db.open) db.close();
      throw error;
    }
  } finally {
    release();
  }
}
